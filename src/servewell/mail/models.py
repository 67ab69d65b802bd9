"""The mail channel's own rows: the raw bytes of every inbound email, and the IMAP
mailboxes polled for them.

Both moved here from the desk; their tables kept the desk's names (``desk_inboundemail``,
``desk_mailbox``), so an existing database moved them without copying a row (see
``migrations/0001_initial.py``). The desk's ``Message.inbound`` still points at the email
a message came from, by name (``"mail.InboundEmail"``), without importing this app.
"""

from __future__ import annotations

from django.db import models


class InboundEmail(models.Model):
    """The raw bytes of every inbound email, stored before parsing.

    Dedup keys: the Message-ID, else the SHA-256 of the raw bytes. Both unique, so a second
    delivery — even racing the first — can never create a second message.
    """

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        QUARANTINED = "quarantined", "Quarantined"
        IGNORED = "ignored", "Ignored (loop or bounce)"
        DISCARDED = "discarded", "Discarded by an admin"

    raw = models.BinaryField()
    raw_sha256 = models.CharField(max_length=64)
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    dedup_key = models.CharField(
        max_length=1000, unique=True, help_text="'mid:<Message-ID>' or 'sha:<sha256>'."
    )
    source = models.CharField(max_length=200, help_text="imap:<mailbox>, http, import:<file>…")
    received_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why it was quarantined or ignored.")
    processed_at = models.DateTimeField(null=True, blank=True)
    auto_reply_block = models.CharField(
        max_length=300,
        null=True,
        blank=True,
        help_text="Why its headers forbid an automatic answer (RFC 3834), read when it was "
        "filed; empty: they do not; null: not read yet.",
    )

    class Meta:
        db_table = "desk_inboundemail"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "received_at"], name="inbound_state_received")]


class Mailbox(models.Model):
    """An IMAP mailbox polled for new mail. The password is read from the environment
    variable named here, never stored in the database."""

    name = models.CharField(max_length=120, unique=True)
    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="mailboxes")
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True)
    username = models.CharField(max_length=255)
    password_env = models.CharField(max_length=100, help_text="Environment variable name.")
    folder = models.CharField(max_length=255, default="INBOX")
    move_to = models.CharField(
        max_length=255, blank=True, help_text="Folder to move processed mail to; empty: mark seen."
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "desk_mailbox"

    def __str__(self) -> str:
        return self.name
