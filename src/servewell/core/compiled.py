"""Querysets compiled to SQL once per process and database, then run with new values.

Why: on the requests a server answers most (an open page's presence poll, every 5 s
per agent), building a queryset and compiling it cost more CPU than the database spent
running the statement. The statement is the same each time but for its values, so it
is compiled once, from the queryset the code would have run, and sent with the new
values (on PostgreSQL, as a prepared statement: ``config.settings``).

``CompiledQuery`` gives the rows of a ``values_list`` (converted as Django would).
``CompiledModels`` gives model instances, as ``list(queryset)`` would: with the rows of
``select_related``, Django's conversions and the queryset's ``prefetch_related``. On the
conversation page, compiling cost about half a millisecond a query against a tenth for
the database's round trip, and the page makes sixteen.

A queryset that does not qualify is run through the ORM as before, every time, so a
change to the query can make it slower but never wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError

#: Stand-ins for the values while compiling: unlikely to occur in a query by themselves.
#: As many as a page of ids (``lambda *ids: ….filter(id__in=ids)``, compiled once for
#: each number of ids; more than this run through the ORM).
SENTINELS = tuple(-7_919_001 - n for n in range(101))


class CompiledQuery:
    """``CompiledQuery(lambda pk: Model.objects.filter(pk=pk).values_list(...))``; then
    ``.rows(pk)`` returns the list of row tuples that ``list(queryset)`` would have."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self._build = build
        self._model: Any = None
        #: (alias, vendor) -> the SQL, where each parameter comes from and the columns'
        #: conversions, or None where the ORM must run it each time.
        self._sql: dict[tuple[str, str, int], tuple[str, list, list] | None] = {}

    def rows(self, *values: Any) -> list[tuple[Any, ...]]:
        if self._model is None:
            self._model = self._build(*SENTINELS[: len(values)]).model
        alias = router.db_for_read(self._model)
        key = (alias, connections[alias].vendor, len(values))
        if key not in self._sql:
            self._sql[key] = self._compile(alias, len(values))
        compiled = self._sql[key]
        if compiled is None:
            return [tuple(row) for row in self._build(*values).using(alias)]
        sql, slots, converters = compiled
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, _params(slots, values))
            rows = cursor.fetchall()
        return [_converted(row, converters, connection) for row in rows] if converters else rows

    def _compile(self, alias: str, count: int) -> tuple[str, list, list] | None:
        if count > len(SENTINELS):
            return None
        sentinels = SENTINELS[:count]
        queryset = self._build(*sentinels).using(alias)
        try:
            compiler = queryset.query.get_compiler(alias)
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        slots = _slots(params, sentinels)
        if slots is None:
            return None
        converters = compiler.get_converters([column[0] for column in compiler.select])
        return sql, slots, list(converters.items())


def _slots(params: Any, sentinels: tuple[int, ...]) -> list | None:
    """Where each parameter of the compiled SQL comes from: ("value", n), the n-th value
    given, or ("constant", value), part of the queryset itself. None when a value did not
    reach the SQL as given (a lookup changed it) or reached it more than once."""
    slots: list = []
    for param in params:
        index = next((n for n, s in enumerate(sentinels) if param in (s, str(s))), None)
        slots.append(("constant", param) if index is None else ("value", index))
    used = sorted(n for kind, n in slots if kind == "value")
    return slots if used == list(range(len(sentinels))) else None


def _params(slots: list, values: tuple[Any, ...]) -> list[Any]:
    return [values[x] if kind == "value" else x for kind, x in slots]


def prefetched(instance: Model, name: str, rows: list[Any]) -> None:
    """Give ``instance.<name>.all()`` the rows, as ``prefetch_related`` would have."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


def _converted(row: Any, converters: list, connection: Any) -> tuple[Any, ...]:
    """The row with Django's conversions (dates on SQLite, decimals, JSON, …) applied."""
    values = list(row)
    for pos, (functions, expression) in converters:
        value = values[pos]
        for convert in functions:
            value = convert(value, expression, connection)
        values[pos] = value
    return tuple(values)


class CompiledModels:
    """``CompiledModels(lambda pk: Model.objects.filter(...).select_related(...))``; then
    ``.fetch(pk)`` returns the list of instances that ``list(queryset)`` would have.

    The values may be numbers or text compared as they are (no ``__contains``), each
    reaching the SQL once; a list only as the lambda's own ``*ids`` (``id__in=ids``,
    compiled once for each length); constants of the queryset itself are
    kept as compiled, so the lambda reads nothing but its values (no clock, no setting)
    and its shape never depends on them."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self._build = build
        self._model: Any = None
        self._plans: dict[tuple[str, str, int], _Plan | None] = {}

    def fetch(self, *values: Any) -> list[Any]:
        if self._model is None:
            self._model = self._build(*SENTINELS[: len(values)]).model
        alias = router.db_for_read(self._model)
        connection = connections[alias]
        key = (alias, connection.vendor, len(values))
        if key not in self._plans:
            self._plans[key] = _Plan.make(self._build, alias, len(values))
        plan = self._plans[key]
        if plan is None:
            return list(self._build(*values).using(alias))
        return plan.run(alias, values)

    def first(self, *values: Any) -> Any:
        found = self.fetch(*values)
        return found[0] if found else None


class _Plan:
    """What ``ModelIterable`` works out from a compiled query, worked out once."""

    def __init__(self, queryset: QuerySet[Any], compiler: Any, sql: str, slots: list) -> None:
        self.sql = sql
        self.slots = slots  # per parameter: ("value", index) or ("constant", value)
        klass_info = compiler.klass_info
        select = compiler.select
        self.model: type[Model] = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.start, self.end = start, end
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.populators = get_related_populators(klass_info, select, queryset.db)
        self.annotations = dict(compiler.annotation_col_map or {})
        converters = compiler.get_converters([column[0] for column in select])
        self.converters = list(converters.items())
        self.prefetch = tuple(queryset._prefetch_related_lookups)
        self.for_update = bool(queryset.query.select_for_update)

    @classmethod
    def make(cls, build: Callable[..., QuerySet[Any]], alias: str, count: int) -> _Plan | None:
        if count > len(SENTINELS):
            return None
        sentinels = SENTINELS[:count]
        queryset = build(*sentinels).using(alias)
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._known_related_objects
            or queryset._fields is not None
        ):
            return None
        compiler = queryset.query.get_compiler(alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        if compiler.has_extra_select or compiler.has_composite_fields(
            [column[0] for column in compiler.select]
        ):
            return None
        slots = _slots(params, sentinels)
        return None if slots is None else cls(queryset, compiler, sql, slots)

    def run(self, alias: str, values: tuple[Any, ...]) -> list[Any]:
        connection = connections[alias]
        if self.for_update and connection.get_autocommit():
            # As the ORM refuses it: outside a transaction the lock would end at once.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            cursor.execute(self.sql, _params(self.slots, values))
            rows = cursor.fetchall()
        found = []
        start, end = self.start, self.end
        for row in rows:
            if self.converters:
                row = _converted(row, self.converters, connection)
            obj = self.model.from_db(alias, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, pos in self.annotations.items():
                setattr(obj, name, row[pos])
            found.append(obj)
        if self.prefetch and found:
            prefetch_related_objects(found, *self.prefetch)
        return found
