"""The mail channel's models move here from the desk. Their tables stay where they are
(``desk_inboundemail``, ``desk_mailbox``): this migration changes Django's state only, so
an existing database keeps every row and a new one gets the tables from the desk's first
migration. The models' content types are renamed with them, so permissions and admin
history that point at an inbound email or a mailbox keep pointing at it."""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ("inboundemail", "mailbox")


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(
        content_type.objects.filter(app_label=new, model__in=MODELS).values_list("model", flat=True)
    )
    content_type.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def forwards(apps, schema_editor) -> None:
    _relabel(apps, "desk", "mail")


def backwards(apps, schema_editor) -> None:
    _relabel(apps, "mail", "desk")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("people", "0001_initial"),
        ("desk", "0007_contacts_move_to_contacts_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="InboundEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("raw", models.BinaryField()),
                        ("raw_sha256", models.CharField(max_length=64)),
                        (
                            "message_id",
                            models.CharField(blank=True, db_index=True, max_length=998),
                        ),
                        (
                            "dedup_key",
                            models.CharField(
                                help_text="'mid:<Message-ID>' or 'sha:<sha256>'.",
                                max_length=1000,
                                unique=True,
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                help_text="imap:<mailbox>, http, import:<file>…", max_length=200
                            ),
                        ),
                        ("received_at", models.DateTimeField(db_index=True)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("received", "Received"),
                                    ("processed", "Processed"),
                                    ("quarantined", "Quarantined"),
                                    ("ignored", "Ignored (loop or bounce)"),
                                    ("discarded", "Discarded by an admin"),
                                ],
                                default="received",
                                max_length=12,
                            ),
                        ),
                        (
                            "reason",
                            models.TextField(
                                blank=True, help_text="Why it was quarantined or ignored."
                            ),
                        ),
                        ("processed_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "desk_inboundemail",
                        "ordering": ["-received_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["state", "received_at"], name="inbound_state_received"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Mailbox",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=120, unique=True)),
                        ("host", models.CharField(max_length=255)),
                        ("port", models.PositiveIntegerField(default=993)),
                        ("use_ssl", models.BooleanField(default=True)),
                        ("username", models.CharField(max_length=255)),
                        (
                            "password_env",
                            models.CharField(
                                help_text="Environment variable name.", max_length=100
                            ),
                        ),
                        ("folder", models.CharField(default="INBOX", max_length=255)),
                        (
                            "move_to",
                            models.CharField(
                                blank=True,
                                help_text="Folder to move processed mail to; empty: mark seen.",
                                max_length=255,
                            ),
                        ),
                        ("uidvalidity", models.BigIntegerField(blank=True, null=True)),
                        ("last_uid", models.BigIntegerField(default=0)),
                        ("is_active", models.BooleanField(default=True)),
                        ("last_polled_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.TextField(blank=True)),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="mailboxes",
                                to="people.team",
                            ),
                        ),
                    ],
                    options={"db_table": "desk_mailbox"},
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
