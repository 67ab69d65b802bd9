"""A period's first replies across all teams are read by met time (the drill-down)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0003_breached_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(fields=["kind", "met_at"], name="sla_kind_met"),
        ),
    ]
