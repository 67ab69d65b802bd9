from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand

from servewell.people.demo import DEMO_PASSWORD

#: Loaders in order: each capability adds its part of the demo organisation. Each is
#: idempotent; the order matters (targets before conversations, conversations before
#: reviews).
LOADERS = [
    ("servewell.people.demo", "load_people_demo"),
    ("servewell.commitments.demo", "load_commitments_demo"),
    ("servewell.desk.demo", "load_desk_demo"),
    ("servewell.commitments.demo", "backfill_demo_clocks"),
    ("servewell.quality.demo", "load_quality_demo"),
]


class Command(BaseCommand):
    help = "Load the demo organisation (safe to run again: it adds nothing twice)."

    def handle(self, *args, **options):
        for module, name in LOADERS:
            result = getattr(import_module(module), name)()
            self.stdout.write(f"  {module.split('.')[1]}: {result}")
        self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
        self.stdout.write(
            "Sign in at http://127.0.0.1:8000/login/ as one of:\n"
            "  admin  (administrator)   maria (manager)   liam (team lead)\n"
            "  quinn  (QA reviewer)     tara  (trainer)   aisha (agent)\n"
            f"Password for every demo account: {DEMO_PASSWORD}"
        )
