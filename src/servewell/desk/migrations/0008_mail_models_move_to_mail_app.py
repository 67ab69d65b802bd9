"""The inbound email and mailbox models now belong to the mail app (``mail.0001``). State
only: a message's ``inbound`` key points at ``mail.InboundEmail``, whose table is still
``desk_inboundemail``, and the desk forgets its own copies of the models; no table or row
is touched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("desk", "0007_contacts_move_to_contacts_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="inbound",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="message",
                        to="mail.inboundemail",
                    ),
                ),
                migrations.DeleteModel(name="InboundEmail"),
                migrations.DeleteModel(name="Mailbox"),
            ],
        ),
    ]
