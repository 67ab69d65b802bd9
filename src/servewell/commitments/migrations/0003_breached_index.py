"""Breaches of a period are read by breach time (reports, dashboard, drill-down)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0002_inbox_unmet_due"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(fields=["kind", "breached_at"], name="sla_kind_breached"),
        ),
    ]
