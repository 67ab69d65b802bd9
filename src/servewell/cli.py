"""The ``servewell`` command: Servewell's own commands and Django's, in one place."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servewell.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "servewell"
    if len(argv) == 1 or argv[1] in {"-h", "--help"}:
        argv[1:] = ["help"]
    elif not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")  # `servewell import-mail` runs import_mail
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
