"""SQL that a migration runs on one database engine and not on the others.

Django's ``RunSQL`` runs the same text on every engine, and the search tables and the
audit log's triggers are written differently for SQLite and PostgreSQL. Migrations that
were applied already import this: what a step does must never change, only how it is
spelled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import migrations

Statements = Mapping[str, Sequence[str]]


def per_engine(forwards: Statements, backwards: Statements) -> migrations.RunPython:
    """A step running ``forwards[vendor]`` (``"sqlite"``, ``"postgresql"``) and, when
    unapplied, ``backwards[vendor]``; an engine not named runs nothing."""
    return migrations.RunPython(_runner(forwards), _runner(backwards))


def _runner(statements: Statements) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return run
