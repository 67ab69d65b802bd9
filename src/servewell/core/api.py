"""API plumbing shared by every app: the router, input validation, cursor pagination,
list filters and uniform error bodies."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from django_filters.constants import EMPTY_VALUES
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_handler

from servewell.core import busy
from servewell.core.errors import DomainError
from servewell.core.ids import MAX_ID

log = logging.getLogger(__name__)


class ApiRouter(DefaultRouter):
    """The router of every app's API: trailing slashes, no browsable root, integer ids.

    Every row is found by its integer primary key. DRF's default lookup takes any text, so
    ``/api/people/abc/`` reached views that hand the text to the ORM, which raises a
    ValueError (a 500), and the schema called some of those ids strings. The ``int`` path
    converter makes such a path a plain 404 and documents every id as an integer.
    (``?format=json`` still picks a renderer; ``.json`` URL suffixes are not routed.)"""

    include_root_view = False
    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__(trailing_slash=True, use_regex_path=False)

    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        converter = getattr(viewset, "lookup_value_converter", "int")
        return f"<{converter}:{lookup_prefix}{kwarg}>"


def validated(
    serializer_class: type[serializers.Serializer],
    data: Any,
    *,
    partial: bool = False,
    **context: Any,
) -> Any:
    """The one way an API view reads its input: ``serializer_class``'s validated data, or
    a ``ValidationError`` that the exception handler answers as the API's 400
    (``{"field": ["message", ...]}``). ``context`` is the serializer's context (e.g.
    ``user=request.user`` for checks that scope ids to what the caller may see);
    ``partial`` reads a PATCH."""
    # Only when asked: a Patch serializer may set partial itself.
    extra = {"partial": True} if partial else {}
    serializer = serializer_class(data=data, context=context, **extra)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class IdFilter(django_filters.Filter):
    """A list filter on a row id (``?team=3``): "abc", "1.5", "³" or a number no column
    holds is the API's 400 naming the parameter, never a 500 nor a silent match.

    API lists filter one way: a ``django_filters.FilterSet`` (``filterset_fields`` for
    plain columns, a ``filterset_class`` with ``IdFilter``/``method=`` filters for the
    rest) that ``DjangoFilterBackend`` applies and drf-spectacular documents, never
    ``request.query_params`` parsed by hand in ``get_queryset``."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC. ISO 8601 allows any UTC offset ("…-23:16");
    PostgreSQL refuses those past ±15:59, so a value passed on as given was a 500. Every
    API list filters moments with this one (a moment past the calendar's ends is the
    400 of ``exception_handler``)."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value not in EMPTY_VALUES and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return super().filter(qs, value)


class Pagination(CursorPagination):
    """Opaque cursors: pages stay fast and stable however deep a client scrolls."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, OverflowError):
        # A number the database cannot hold (SQLite refuses integers past 64 bits, e.g.
        # ?team=2**70 on the inbox list) or a date past year 9999: the value came from the
        # request, so it is a 400 that says so, not a 500.
        log.info("value out of range in an API request", extra={"error": str(exc)})
        return Response(
            {"detail": "A number or date in the request is out of range.", "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, SuspiciousOperation):
        # Django's guards on what a request may carry (too many form fields, a body past
        # the upload limit): the client's doing, so a JSON 400, not Django's HTML page.
        log.info("suspicious API request", extra={"error": str(exc)})
        return Response(
            {"detail": "The request carries too many fields or too much data.", "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if busy.is_database_busy(exc):
        busy.log_busy(context["request"])
        return Response(
            {"detail": busy.MESSAGE, "code": "unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(busy.RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, Http404):
        return Response(
            {"detail": str(exc) or "Not found.", "code": "not_found"},
            status=status.HTTP_404_NOT_FOUND,
        )
    response = drf_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        if isinstance(response.data, dict) and "code" not in response.data:
            codes = exc.get_codes()
            if isinstance(codes, str):
                response.data["code"] = codes
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 of URLs that no route matches (``handler404``). Under ``/api/`` it is the
    API's JSON error — ``/api/people/abc/`` is a client's mistake and the client reads
    JSON — and everywhere else the usual page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "No such resource: check the path and its ids.", "code": "not_found"},
            status=404,
        )
    return page_not_found(request, exception)
