"""``servewell insights rebuild [--days N | --start D --end D]``: recompute rollups.
``servewell insights clusters [--period P] [--team ID]``: cluster a period's requests now
(what the job does when the dashboard first misses them; needs the embeddings extra)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from servewell.insights import clusters, filters, rollups


class Command(BaseCommand):
    help = (
        "Insights: `rebuild` recomputes the dashboard's rollups (with a progress bar); "
        "`clusters` clusters a period's requests for the dashboard's themes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Recompute rollups over a range of days.")
        rebuild.add_argument("--days", type=int, default=400, help="Days back from today.")
        rebuild.add_argument("--start", type=date.fromisoformat, help="First day (YYYY-MM-DD).")
        rebuild.add_argument("--end", type=date.fromisoformat, help="Last day (YYYY-MM-DD).")

        grouped = sub.add_parser("clusters", help="Cluster a period's customer requests.")
        grouped.add_argument("--period", default="last_week", choices=list(filters.PERIODS))
        grouped.add_argument("--start", help="Custom period: first day (YYYY-MM-DD).")
        grouped.add_argument("--end", help="Custom period: last day (YYYY-MM-DD).")
        grouped.add_argument("--team", type=int, help="One team (default: all teams).")

    def handle(self, *args, **options) -> None:
        if options["action"] == "clusters":
            return self._clusters(options)
        now = timezone.now()
        end = options.get("end") or now.date()
        start = options.get("start") or end - timedelta(days=max(options["days"], 1) - 1)
        if start > end:
            raise CommandError("The start comes after the end.")

        def bar(items, **kw):
            return tqdm(items, file=self.stderr, **kw)

        rows = rollups.rebuild(start, end, now=now, progress=bar)
        self.stdout.write(f"Rebuilt {rows} rollup rows for {start} to {end}.")

    def _clusters(self, options) -> None:
        if reason := clusters.unavailable_reason():
            raise CommandError(f"Clusters need the embeddings extra: {reason}.")
        now = timezone.now()
        params = {k: str(options[k]) for k in ("period", "start", "end") if options.get(k)}
        try:
            start, end = filters.dates_of(params, now=now)
        except filters.FilterError as error:
            raise CommandError(error.message) from None
        team = options.get("team")
        run = clusters.compute(
            start, end, [team] if team else None, None, period=params["period"], now=now
        )
        self.stdout.write(
            f"{run.clusters.count()} clusters of {run.sampled} requests "
            f"({run.total} in the period) for {start} to {end - timedelta(days=1)}."
        )
