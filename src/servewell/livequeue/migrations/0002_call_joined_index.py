"""A period's calls across all teams are read by join time (the drill-down)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("livequeue", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="call",
            index=models.Index(fields=["joined_at"], name="call_joined"),
        ),
    ]
