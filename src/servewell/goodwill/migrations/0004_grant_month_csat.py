"""Each grant keeps its report month and its conversation's latest CSAT rating, so the
spend-and-outcomes report is one grouped index scan instead of a rating lookup per grant
and a month computed per row. Existing grants are filled in here."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone

CHUNK = 2000


def fill(apps, schema_editor):
    Grant = apps.get_model("goodwill", "Grant")
    SurveyResponse = apps.get_model("experience", "SurveyResponse")
    tz = timezone.get_default_timezone()
    last = 0
    while True:
        grants = list(Grant.objects.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not grants:
            return
        last = grants[-1].pk
        ratings = dict(
            SurveyResponse.objects.filter(
                kind="csat", conversation_id__in={g.conversation_id for g in grants}
            )
            .order_by("conversation_id", "responded_at", "id")
            .values_list("conversation_id", "score")
        )
        for g in grants:
            local = g.created_at.astimezone(tz)
            g.month = dt.date(local.year, local.month, 1)
            g.csat = ratings.get(g.conversation_id)
        Grant.objects.bulk_update(grants, ["month", "csat"])


class Migration(migrations.Migration):
    dependencies = [
        ("experience", "0002_contact_in_contacts_app"),
        ("goodwill", "0003_covering_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="grant",
            name="month",
            field=models.DateField(
                null=True, help_text="First day of the month it was asked in (report groups)."
            ),
        ),
        migrations.AddField(
            model_name="grant",
            name="csat",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                help_text="The conversation's latest CSAT rating (1-5), kept as ratings arrive.",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="grant",
            name="month",
            field=models.DateField(
                help_text="First day of the month it was asked in (report groups)."
            ),
        ),
        migrations.RemoveIndex(model_name="grant", name="gw_grant_report"),
        migrations.AddIndex(
            model_name="grant",
            index=models.Index(
                fields=[
                    "created_at",
                    "team",
                    "requested_by",
                    "action",
                    "currency",
                    "month",
                    "status",
                    "amount",
                    "came_back_at",
                    "csat",
                ],
                name="gw_grant_outcomes",
            ),
        ),
    ]
