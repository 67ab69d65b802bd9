"""A database that is briefly busy is a 503 the client can retry, never a 500.

SQLite lets one writer at a time; the busy timeout (settings) makes a writer wait its turn,
and only past that wait does "database is locked" reach a request. Nothing was written
then (the transaction rolled back), so the honest answer is "try again shortly".
"""

from __future__ import annotations

import logging
import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is busy for a moment; nothing was saved. Please try again."
_BUSY_TEXTS = ("database is locked", "database table is locked", "database is busy")


def is_database_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(t in str(exc).lower() for t in _BUSY_TEXTS)


def busy_response(request: HttpRequest) -> HttpResponse:
    """JSON under ``/api/``, a short page elsewhere; both say when to retry."""
    log_busy(request)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": MESSAGE, "code": "unavailable"}, status=503
        )
    else:
        # A page of its own, without the shell's context processors (they query).
        html = render_to_string("core/busy.html", {"message": MESSAGE})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def log_busy(request: HttpRequest) -> None:
    log.warning("database busy", extra={"path": request.path, "method": request.method})


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a lock met outside a view (a middleware saving the session) is
    still a 503; anything else is Django's plain 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_busy(exc):
        return busy_response(request)
    return django_server_error(request)
