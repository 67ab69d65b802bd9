"""The contact model moved to the contacts app (same table): state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("experience", "0001_initial"),
    ]
    # The desk forgets its contact model there; these keys must point away from it first.
    run_before = [("desk", "0007_contacts_move_to_contacts_app")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="survey",
                    name="contact",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="surveys",
                        to="contacts.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveyresponse",
                    name="contact",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contacts.contact",
                    ),
                ),
            ],
        ),
    ]
