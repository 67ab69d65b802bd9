from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from servewell.core.errors import DomainError
from servewell.mail.importer import import_path
from servewell.people.models import Team


class Command(BaseCommand):
    help = (
        "Import email from an mbox file, a Maildir (a folder with cur/new), an .eml file or "
        "a folder of .eml files. Safe to interrupt and run again: nothing is filed twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--team", help="slug of the team for new conversations")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that parse mail while this one stores it (default: one per "
            "core for large imports; 0: parse in this process)",
        )

    def handle(
        self, *args, path: str, team: str | None, quiet: bool, workers: int | None, **options
    ):
        chosen = None
        if team:
            chosen = Team.objects.filter(slug=team).first()
            if chosen is None:
                raise CommandError(f"No team with the slug {team!r}.")
        if workers is not None and not 0 <= workers <= 64:
            raise CommandError("--workers must be between 0 and 64.")

        def progress(items, **kwargs):
            return tqdm(items, disable=quiet, dynamic_ncols=True, unit="mail", **kwargs)

        try:
            summary = import_path(path, team=chosen, progress=progress, workers=workers)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Imported {summary.line()}.")
