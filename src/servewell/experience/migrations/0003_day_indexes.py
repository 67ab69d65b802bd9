"""Answers and sends are read by day for the leader dashboard's rollups."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("experience", "0002_contact_in_contacts_app"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="survey",
            index=models.Index(fields=["sent_at"], name="xp_survey_sent"),
        ),
        migrations.AddIndex(
            model_name="surveyresponse",
            index=models.Index(fields=["responded_at"], name="xp_resp_at"),
        ),
    ]
