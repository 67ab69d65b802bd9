from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servewell.core.errors import DomainError
from servewell.people import tokens
from servewell.people.models import User


class Command(BaseCommand):
    help = "API tokens for scripts: `token create USER [--name NAME]` prints a new token."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("user", help="username")
        create.add_argument("--name", default="command line")

    def handle(self, *args, action: str, user: str, name: str, **options):
        person = User.objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"No active user named {user!r}.")
        try:
            _token, raw = tokens.create_token(person, name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(raw)
