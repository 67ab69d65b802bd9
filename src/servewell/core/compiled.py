"""Querysets compiled to SQL once per process and database, then run with new values.

Why: on the requests a server answers most (an open page's presence poll, every 5 s
per agent), building a queryset and compiling it cost more CPU than the database spent
running the statement. The statement is the same each time but for its values, so it
is compiled once, from the queryset the code would have run, and sent with the new
values (on PostgreSQL, as a prepared statement: ``config.settings``).

Only for querysets whose rows need no conversion (``values_list`` of integer or text
columns): the rows come back as the database driver hands them. A queryset that does
not qualify is run through the ORM as before, every time, so a change to the query
can make it slower but never wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet

#: Stand-ins for the values while compiling: unlikely to occur in a query by themselves.
SENTINELS = (-7_919_001, -7_919_002, -7_919_003, -7_919_004)


class CompiledQuery:
    """``CompiledQuery(lambda pk: Model.objects.filter(pk=pk).values_list(...))``; then
    ``.rows(pk)`` returns the list of row tuples that ``list(queryset)`` would have."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self._build = build
        self._model: Any = None
        #: (alias, vendor) -> the SQL, or None where the ORM must run it each time.
        self._sql: dict[tuple[str, str], str | None] = {}

    def rows(self, *values: Any) -> list[tuple[Any, ...]]:
        if self._model is None:
            self._model = self._build(*SENTINELS[: len(values)]).model
        alias = router.db_for_read(self._model)
        key = (alias, connections[alias].vendor)
        if key not in self._sql:
            self._sql[key] = self._compile(alias, len(values))
        sql = self._sql[key]
        if sql is None:
            return [tuple(row) for row in self._build(*values).using(alias)]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()

    def _compile(self, alias: str, count: int) -> str | None:
        if count > len(SENTINELS):
            return None
        sentinels = SENTINELS[:count]
        queryset = self._build(*sentinels).using(alias)
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        if tuple(params) != sentinels or _converts(compiler):
            return None
        return sql


def _converts(compiler: Any) -> bool:
    """Whether Django would convert a value of the rows (dates, decimals, JSON, …)."""
    expressions = [column for column, _, _ in compiler.select]
    return bool(compiler.get_converters(expressions))
