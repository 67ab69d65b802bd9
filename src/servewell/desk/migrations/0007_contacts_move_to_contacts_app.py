"""The contact models now belong to the contacts app (``contacts.0001``). State only: the
desk's foreign keys point at ``contacts.Contact``, whose table is still ``desk_contact``,
and the desk forgets its own copies of the models; no table or row is touched.

Other apps' keys to the contact move in their own migrations, which run before this one
(``run_before``), so no key is left pointing at a model the desk no longer has."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("desk", "0006_message_cc_bcc"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="conversation",
                    name="contact",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="conversations",
                        to="contacts.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="contact",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="messages",
                        to="contacts.contact",
                    ),
                ),
                migrations.DeleteModel(name="ContactEmail"),
                migrations.DeleteModel(name="ContactPhone"),
                migrations.DeleteModel(name="Contact"),
            ],
        ),
    ]
