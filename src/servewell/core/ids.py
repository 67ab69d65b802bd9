"""Row ids as they arrive in links and forms: text until proven to be an id.

Every row is found by a 64-bit integer primary key. ``str.isdigit`` is not the test for
one: it says yes to "³" (which ``int`` refuses) and to numbers no 64-bit column can hold
(which SQLite refuses at the query, as an OverflowError) — both were server errors on
pages that read an id from the query string.
"""

from __future__ import annotations

from typing import Any

#: The largest id a row can have: primary keys are 64-bit signed integers.
MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """The id written in ``value``, or None when it is not one (a page then ignores it,
    as it ignores any filter it cannot use)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values: Any) -> list[int]:
    """The ids among ``values`` (e.g. ``request.POST.getlist(...)``), in order."""
    return [n for v in values if (n := parse_id(v)) is not None]


def object_or_404(queryset: Any, value: Any, **filters: Any) -> Any:
    """The row whose id is written in ``value`` (a link or a form field), among
    ``queryset`` (a model or a query already scoped to what the user may see), or 404.

    Anything that is not an id ("abc", "³", 2**70, empty) is a row that does not exist,
    never a server error.
    """
    from django.shortcuts import get_object_or_404

    pk = parse_id(value)
    if pk is None:
        from django.http import Http404

        raise Http404("No such item.")
    return get_object_or_404(queryset, pk=pk, **filters)
