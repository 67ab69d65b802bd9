"""API plumbing shared by every app: cursor pagination and uniform error bodies."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from servewell.core.errors import DomainError


class Pagination(CursorPagination):
    """Opaque cursors: pages stay fast and stable however deep a client scrolls."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
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
