from __future__ import annotations

from django.core.management.base import BaseCommand

from servewell.core import contract, notifications


class Command(BaseCommand):
    help = "Load the demo organisation (safe to run again: it adds nothing twice)."

    def handle(self, *args, **options):
        # Each app declares its demo steps in its contract; the order places targets
        # before conversations and conversations before reviews.
        # The demo is history: what it files as notifications is never mailed.
        with notifications.history():
            for app, step in contract.demo_steps():
                result = step.run()
                self.stdout.write(f"  {step.name or app}: {result}")
        self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
        for note in contract.demo_notes():
            self.stdout.write(note)
