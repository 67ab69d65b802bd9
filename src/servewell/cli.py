"""The ``servewell`` command: Servewell's own commands and Django's, in one place."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servewell.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "servewell"
    if len(argv) == 1 or argv[1] in {"-h", "--help", "help"} and len(argv) <= 2:
        sys.stdout.write(overview())
        return
    if not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")  # `servewell import-mail` runs import_mail
        if argv[1] == "help" and len(argv) > 2:
            argv[2] = argv[2].replace("-", "_")
    execute_from_command_line(argv)


def overview() -> str:
    """Servewell's commands first, spelled as typed (``fetch-mail``), each with what it
    does; Django's and the libraries' after them, by name only."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    ours, theirs = [], []
    for name, app in sorted(get_commands().items()):
        if app.startswith("servewell"):
            ours.append((name.replace("_", "-"), _summary(load_command_class(app, name))))
        else:
            theirs.append(name)
    width = max((len(n) for n, _ in ours), default=0) + 2
    lines = ["Usage: servewell <command> [options]   (servewell help <command> for its options)"]
    lines += ["", "Servewell commands:"]
    lines += [f"  {name.ljust(width)}{text}" for name, text in ours]
    lines += ["", "Django and library commands:"]
    lines += _columns(theirs)
    return "\n".join(lines) + "\n"


def _summary(command: object) -> str:
    text = " ".join(str(getattr(command, "help", "") or "").split())
    first = text.split(". ")[0].rstrip(".")
    return first or "(no description)"


def _columns(names: list[str], width: int = 88) -> list[str]:
    lines, line = [], " "
    for name in names:
        if len(line) + len(name) + 1 > width:
            lines.append(line)
            line = " "
        line += f" {name}"
    return [*lines, line] if line.strip() else lines


if __name__ == "__main__":
    main()
