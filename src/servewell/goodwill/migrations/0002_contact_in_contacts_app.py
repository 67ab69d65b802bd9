"""The contact model moved to the contacts app (same table): state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("goodwill", "0001_initial"),
    ]
    # The desk forgets its contact model there; this key must point away from it first.
    run_before = [("desk", "0007_contacts_move_to_contacts_app")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="grant",
                    name="contact",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contacts.contact",
                    ),
                ),
            ],
        ),
    ]
