"""CSV downloads of report tables, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
#: A cell a spreadsheet would run as a formula (CSV injection), also after whitespace.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value


def csv_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A CSV attachment; every text cell is neutralised against formula injection."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = _UNSAFE_NAME.sub("-", filename).strip("-") or "export"
    if not name.endswith(".csv"):
        name += ".csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(headers)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return response
