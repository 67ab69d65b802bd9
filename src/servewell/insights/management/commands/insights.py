"""``servewell insights rebuild [--days N | --start D --end D]``: recompute rollups."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from servewell.insights import rollups


class Command(BaseCommand):
    help = "Insights: `rebuild` recomputes the dashboard's rollups (with a progress bar)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Recompute rollups over a range of days.")
        rebuild.add_argument("--days", type=int, default=400, help="Days back from today.")
        rebuild.add_argument("--start", type=date.fromisoformat, help="First day (YYYY-MM-DD).")
        rebuild.add_argument("--end", type=date.fromisoformat, help="Last day (YYYY-MM-DD).")

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        end = options.get("end") or now.date()
        start = options.get("start") or end - timedelta(days=max(options["days"], 1) - 1)
        if start > end:
            raise CommandError("The start comes after the end.")

        def bar(items, **kw):
            return tqdm(items, file=self.stderr, **kw)

        rows = rollups.rebuild(start, end, now=now, progress=bar)
        self.stdout.write(f"Rebuilt {rows} rollup rows for {start} to {end}.")
