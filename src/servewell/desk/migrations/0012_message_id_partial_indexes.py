"""The Message-ID indexes leave the empty id out (see ``desk.models.MessageQuerySet``).

Dropping ``db_index`` from a field makes Django's SQLite backend copy the whole message
table, twice; a large desk would wait minutes for that. Only the indexes change here, so
the old ones are dropped by name (with PostgreSQL's ``_like`` companions) and the field
change is recorded in the state alone."""

from django.db import migrations, models

_OLD = {
    "email_message_id": "desk_message_email_message_id_9c67ab78",
    "in_reply_to": "desk_message_in_reply_to_58b35099",
}
_NEW = {"email_message_id": "msg_email_id", "in_reply_to": "msg_in_reply_to"}


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0011_web_request"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name=field,
                    field=models.CharField(blank=True, max_length=998),
                )
                for field in _OLD
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        f'DROP INDEX IF EXISTS "{name}{suffix}"'
                        for name in _OLD.values()
                        for suffix in ("", "_like")
                    ],
                    reverse_sql=[
                        f'CREATE INDEX "{name}" ON "desk_message" ("{field}")'
                        for field, name in _OLD.items()
                    ],
                )
            ],
        ),
        *(
            migrations.AddIndex(
                model_name="message",
                index=models.Index(condition=~models.Q(**{field: ""}), fields=[field], name=name),
            )
            for field, name in _NEW.items()
        ),
    ]
