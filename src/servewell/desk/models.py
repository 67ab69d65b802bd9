"""The desk: conversations, their messages and history, macros, saved views.

Two front doors (htmx, API), the mail pipeline and jobs all change these rows through the
domain modules (``conversations.py``, ``intake.py``…), never directly.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q

from servewell.contacts.models import Contact


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    API = "api", "API"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (waiting on customer)"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """A request and everything said about it. The primary key is its reference number
    (shown as #1234 and carried in email subjects as [#1234])."""

    subject = models.CharField(max_length=300)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="conversations")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversations")
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="followed_conversations"
    )
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_conversations",
    )
    version = models.PositiveIntegerField(default=1, help_text="Optimistic-lock counter.")
    # Derived from status by the database itself, so it can never disagree with it. The
    # inbox asks for "open" (four statuses): ``status IN (...)`` cannot walk an index in
    # updated_at order and must sort every open row, while ``is_open = true`` is one range.
    is_open = models.GeneratedField(
        expression=models.Case(
            models.When(status__in=[s.value for s in OPEN_STATUSES], then=models.Value(True)),
            default=models.Value(False),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(
                fields=["team", "status", "updated_at", "id"], name="conv_team_status_upd"
            ),
            models.Index(
                fields=["assignee", "status", "updated_at", "id"], name="conv_assignee_status_upd"
            ),
            models.Index(fields=["status", "updated_at", "id"], name="conv_status_upd"),
            models.Index(fields=["contact", "created_at"], name="conv_contact_created"),
            # Keyset pages of the inbox views (see queries.py): each is one index range.
            models.Index(fields=["is_open", "updated_at", "id"], name="conv_open_upd"),
            models.Index(fields=["team", "is_open", "updated_at", "id"], name="conv_team_open_upd"),
            models.Index(
                fields=["team", "assignee", "is_open", "updated_at", "id"],
                name="conv_team_asg_open_upd",
            ),
            models.Index(
                fields=["assignee", "is_open", "updated_at", "id"], name="conv_asg_open_upd"
            ),
            models.Index(fields=["updated_at", "id"], name="conv_upd"),
            models.Index(fields=["team", "updated_at", "id"], name="conv_team_upd"),
            # The aging backlog: open conversations by age, whole desk or per team. Only
            # open rows are in it, so it stays small and the planner has no better road.
            models.Index(
                fields=["team", "created_at"], condition=Q(is_open=True), name="conv_open_team_age"
            ),
            models.Index(fields=["created_at"], condition=Q(is_open=True), name="conv_open_age"),
            # Which contacts a team has served, read from the index alone: the scope of a
            # contact search (a team's contacts, not every conversation row of the team).
            models.Index(fields=["team", "contact"], name="conv_team_contact"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def reference(self) -> str:
        return f"#{self.pk}"

    @property
    def audit_label(self) -> str:
        """The audit log names a conversation by its reference, never its subject."""
        return f"Conversation #{self.pk}"


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", "From the customer"
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"
    CALL = "call", "Phone call"
    SYSTEM = "system", "System"


class MessageQuerySet(models.QuerySet):
    """Lookups by email Message-ID. Their indexes leave out the empty id of notes, calls
    and web requests (most rows on some desks): with that one value in a full index,
    SQLite's statistics made the planner judge the index useless and scan the table, or
    drive the query from another table (measured: 20-30 ms per mail batch filed, growing
    with the desk). The non-empty condition stated here is what lets the database use
    the partial index."""

    def with_email_ids(self, ids: Iterable[str]) -> MessageQuerySet:
        return self.filter(email_message_id__in=list(ids)).exclude(email_message_id="")

    def answering(self, ids: Iterable[str]) -> MessageQuerySet:
        return self.filter(in_reply_to__in=list(ids)).exclude(in_reply_to="")


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitised with nh3 before storing.")
    created_at = models.DateTimeField()
    # Email threading: our own Message-ID for outbound, the sender's for inbound.
    email_message_id = models.CharField(max_length=998, blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    # The raw email a customer message came from: the mail channel's row, named rather
    # than imported (the mail app sits above the desk).
    inbound = models.OneToOneField(
        "mail.InboundEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="message",
    )
    delivery_status = models.CharField(
        max_length=10, blank=True, help_text="Outbound email: queued, sent or failed."
    )
    delivery_error = models.TextField(blank=True)
    # A public email reply's other recipients, in the envelope. BCC goes to the server's
    # RCPT TO only: never a header, never shown on the customer's page.
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    call_seconds = models.PositiveIntegerField(null=True, blank=True)
    call_direction = models.CharField(
        max_length=8, blank=True, choices=[("inbound", "Inbound"), ("outbound", "Outbound")]
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="msg_conv_created"),
            # Partial: see MessageQuerySet.
            models.Index(
                fields=["email_message_id"], condition=~Q(email_message_id=""), name="msg_email_id"
            ),
            models.Index(
                fields=["in_reply_to"], condition=~Q(in_reply_to=""), name="msg_in_reply_to"
            ),
        ]


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    rejected_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the file was kept out (e.g. over the cap)."
    )
    sha256 = models.CharField(max_length=64, blank=True)
    # The part's Content-ID: an ``<img src="cid:…">`` in the body shows this file.
    content_id = models.CharField(max_length=255, blank=True)


class Activity(models.Model):
    """The conversation's history: every change, who made it and when."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="activities"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["conversation", "at"], name="activity_conv_at")]


class Macro(models.Model):
    """A canned reply; placeholders like {{ contact.first_name }} are filled when used."""

    name = models.CharField(max_length=120)
    body = models.TextField()
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text="Empty: shared by every team.",
    )
    set_status = models.CharField(max_length=8, choices=Status.choices, blank=True)
    add_tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SavedView(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    filters = models.JSONField(default=dict)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AutoReplyLog(models.Model):
    """Per-address record of automatic replies, for the RFC 3834 rate limit."""

    address = models.CharField(max_length=254, db_index=True)
    sent_at = models.DateTimeField()


class DeskTeamSettings(models.Model):
    """How the desk treats one team's conversations.

    ``last_assigned`` is the round-robin pointer: the next conversation goes to the first
    available member after it. The row is locked (select_for_update) while choosing, so
    two conversations opened at once never go to the same person by accident.
    """

    team = models.OneToOneField(
        "people.Team", on_delete=models.CASCADE, related_name="desk_settings"
    )
    round_robin = models.BooleanField(
        default=False, help_text="Assign new conversations in turn among available members."
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public_form = models.BooleanField(
        default=False, help_text="Offer this team on the public request form."
    )

    def __str__(self) -> str:
        return f"Desk settings of {self.team}"


class WebRequest(models.Model):
    """A request sent through the public form, as the visitor sent it, until it is filed.

    The form answers as soon as the request is stored here; the worker files stored
    requests in batches (``desk.webform``), so a flood of submissions waits on neither
    the database's writer nor the filing of the others. Once filed, the visitor's words
    live in the conversation and are cleared here; a request that could not be filed
    keeps them, with the reason, for an admin to see and file again.
    """

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        FILED = "filed", "Filed"
        FAILED = "failed", "Could not be filed"

    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    ip = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why it could not be filed.")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "received_at"], name="webrequest_state_received")]
