"""One way to page an HTML list: ``paginate(request, queryset, per_page)``.

Every list page reads ``?page=`` from a link anyone can edit. Django's ``get_page``
already turns text into the first page and a page past the end into the last; this adds
the rest a forged link can carry ("³", a number thousands of digits long, a NUL byte)
and a stable order for lists that have none, so a row never shows on two pages. Render
the links with ``{% include "core/pager.html" %}`` (it keeps the other query parameters).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

#: More digits than any page number a list reaches; longer text is not a page.
_MAX_DIGITS = 9


def page_number(value: Any) -> int:
    """The page a link asks for: 1 for anything that is not a plain positive number."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        return 1
    return max(int(text), 1)


def paginate(
    request: HttpRequest, queryset: QuerySet | list, per_page: int, *, param: str = "page"
) -> Page:
    """The page of ``queryset`` that ``request.GET[param]`` asks for (the last one when it
    asks past the end); an unordered queryset is ordered newest first by id."""
    if isinstance(queryset, QuerySet) and not queryset.ordered:
        queryset = queryset.order_by("-pk")
    return Paginator(queryset, per_page).get_page(page_number(request.GET.get(param)))
