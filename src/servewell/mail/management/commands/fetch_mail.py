from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servewell.mail import imap
from servewell.mail.models import Mailbox


class Command(BaseCommand):
    help = (
        "Fetch new mail from the active IMAP mailboxes now (the worker also does this every "
        "minute). A message is marked seen or moved only after it is safely stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="only the mailbox with this name")

    def handle(self, *args, mailbox: str | None, **options):
        if mailbox and not Mailbox.objects.filter(name=mailbox).exists():
            raise CommandError(f"No mailbox named {mailbox!r}.")
        results = imap.poll_all(name=mailbox, force=True)
        if not results:
            self.stdout.write("No active mailboxes.")
        failed = False
        for result in results:
            states = ", ".join(f"{n} {state}" for state, n in sorted(result.states.items()))
            line = f"{result.mailbox}: {result.fetched} fetched" + (
                f" ({states})" if states else ""
            )
            if result.error:
                failed = True
                line += f" — error: {result.error}"
            self.stdout.write(line)
        if failed:
            raise CommandError("Some mailboxes could not be polled; see above.")
