"""The contact models move here from the desk. Their tables stay where they are (named
``desk_contact``, ``desk_contactemail``, ``desk_contactphone``): this migration changes
Django's state only, so an existing database keeps every row and a new one gets the
tables from the desk's first migration. The models' content types are renamed with them,
so permissions and admin history that point at a contact keep pointing at it."""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ("contact", "contactemail", "contactphone")


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(
        content_type.objects.filter(app_label=new, model__in=MODELS).values_list("model", flat=True)
    )
    content_type.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def forwards(apps, schema_editor) -> None:
    _relabel(apps, "desk", "contacts")


def backwards(apps, schema_editor) -> None:
    _relabel(apps, "contacts", "desk")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("desk", "0006_message_cc_bcc"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Contact",
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
                        ("name", models.CharField(blank=True, max_length=200)),
                        ("organisation", models.CharField(blank=True, max_length=200)),
                        ("notes", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "merged_into",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="merged_contacts",
                                to="contacts.contact",
                            ),
                        ),
                    ],
                    options={"db_table": "desk_contact", "ordering": ["name", "id"]},
                ),
                migrations.CreateModel(
                    name="ContactEmail",
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
                        (
                            "address",
                            models.CharField(
                                help_text="Stored lower-case.", max_length=254, unique=True
                            ),
                        ),
                        ("is_primary", models.BooleanField(default=False)),
                        (
                            "contact",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="emails",
                                to="contacts.contact",
                            ),
                        ),
                    ],
                    options={"db_table": "desk_contactemail"},
                ),
                migrations.CreateModel(
                    name="ContactPhone",
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
                        (
                            "number",
                            models.CharField(
                                help_text="Digits with leading +.", max_length=32, unique=True
                            ),
                        ),
                        (
                            "contact",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="phones",
                                to="contacts.contact",
                            ),
                        ),
                    ],
                    options={"db_table": "desk_contactphone"},
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
