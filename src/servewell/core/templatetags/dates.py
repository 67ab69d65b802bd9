"""``{{ value|date:"j M Y" }}`` as Django writes it, without parsing the format again for
every value (a builtin: it stands in for Django's ``date`` filter in every template).

Why: a conversation page writes fifteen to thirty dates (each message, each activity,
the contact's history), and Django's filter splits the format with a regular expression
and checks the time zone for ambiguity on each one: 16 µs a date against 3 here. A
format is split once per process; the letters are Django's own ``DateFormat`` methods,
so the text is the same. Formats naming the time zone (``e I O T Z c r U``), named
formats (``SHORT_DATE_FORMAT``), values that are not datetimes and anything unusual go
to Django's filter unchanged (``core/tests/test_dates.py`` compares).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django import template
from django.template.defaultfilters import date as django_date
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.formats import FORMAT_SETTINGS

register = template.Library()

#: Format letters whose text depends on nothing but the (already local) datetime.
PLAIN = frozenset("aAbdDEfFgGhHijlLmMnNoPsStuwWyYz")


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    """Django's ``date`` filter; the same text."""
    if type(value) is dt.datetime and type(arg) is str:
        pieces = _pieces(arg)
        if pieces is not None:
            formatter = DateFormat.__new__(DateFormat)
            formatter.data, formatter.timezone = value, None
            return "".join(
                text if method is None else str(getattr(formatter, method)())
                for text, method in pieces
            )
    return django_date(value, arg)


@lru_cache(maxsize=256)
def _pieces(fmt: str) -> tuple[tuple[str, str | None], ...] | None:
    """The format as literal texts and ``DateFormat`` method names, or None when it is a
    named format or names a letter outside ``PLAIN``."""
    if fmt in FORMAT_SETTINGS:
        return None
    pieces: list[tuple[str, str | None]] = []
    for i, piece in enumerate(re_formatchars.split(fmt)):
        if i % 2:
            if piece not in PLAIN:
                return None
            pieces.append(("", piece))
        elif piece:
            pieces.append((re_escaped.sub(r"\1", piece), None))
    return tuple(pieces)
