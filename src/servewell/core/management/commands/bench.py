from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servewell.core.bench import SCALES
from servewell.core.bench.launch import run_isolated


class Command(BaseCommand):
    help = (
        "Measure Servewell on a throwaway database and print one JSON figure a line on "
        "stdout. Your own database is never opened; SERVEWELL_BENCH_DATABASE_URL measures "
        "on a database server of your choice (PostgreSQL: in a scratch database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="small")
        parser.add_argument(
            "--only",
            nargs="+",
            action="extend",
            default=[],
            metavar="GROUP",
            help="run only these groups (e.g. foundation)",
        )

    def handle(self, *args, scale: str, only: list[str], **options):
        code = run_isolated(scale, only)
        if code:
            raise CommandError(f"benchmarks failed (exit code {code}); see above", returncode=code)
