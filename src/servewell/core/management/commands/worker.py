from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from servewell.core import collector, jobs


class Command(BaseCommand):
    help = (
        "Run background jobs and periodic jobs. Run as many as you like against "
        "Redis (REDIS_URL); on SQLite one worker (or `servewell run`) is enough."
    )

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=settings.JOBS["workers"])
        parser.add_argument(
            "--no-periodic", action="store_true", help="leave periodic jobs to another worker"
        )

    def handle(self, *args, threads: int, no_periodic: bool, **options):
        if settings.JOBS["immediate"]:
            raise CommandError("SERVEWELL_JOBS_IMMEDIATE is on: jobs run inline, no worker.")
        self.stdout.write(
            f"Worker: {threads} threads on {settings.JOBS['backend']} "
            f"(periodic jobs {'off' if no_periodic else 'on'}). Ctrl+C to stop."
        )
        consumer = jobs.create_consumer(workers=threads, periodic_jobs=not no_periodic)
        collector.settle()
        consumer.run()
