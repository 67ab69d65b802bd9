"""Request logging and the access gate for HTML views."""

from __future__ import annotations

import logging
import time
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin
from whitenoise.middleware import WhiteNoiseMiddleware

from servewell.core.access import PUBLIC, can, declared_permission
from servewell.core.busy import busy_response, is_database_busy

log = logging.getLogger("servewell.request")


class RequestLogMiddleware(MiddlewareMixin):
    """One structured line per request: method, path, status, duration, user."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        request._sw_started = time.perf_counter()
        return _refuse_nul(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        started = getattr(request, "_sw_started", None)
        if started is not None and not request.path.startswith("/static/"):
            user = getattr(request, "user", None)
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "user": user.pk if user is not None and user.is_authenticated else None,
                },
            )
        return response


class AccessMiddleware(MiddlewareMixin):
    """Every HTML view passes here. DRF views are left to ``ApiAccess``, which asks the
    same ``can()``; Django's admin site keeps its own staff check."""

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "cls", None) is not None:  # a DRF view
            return None
        match = request.resolver_match
        if match is not None and match.app_name == "admin":
            return None
        perm = declared_permission(view_func)
        if perm == PUBLIC:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if perm is None:
            log.error(
                "view declares no permission", extra={"view": match.view_name if match else "?"}
            )
            return _forbidden(request, "This page is not open to anyone yet.")
        if not can(request.user, perm):
            return _forbidden(request, "Your role does not give access to this page.")
        return None


class DatabaseBusyMiddleware(MiddlewareMixin):
    """A view that met a locked database answers 503 with Retry-After, not 500."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_busy(exception):
            return busy_response(request)
        return None


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"message": message}, status=403)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, able to run in the async chain.

    Plain WhiteNoise is sync-only, which pushes every request — and every open
    Server-Sent Events stream — through a thread of its own. Static files are still served
    by WhiteNoise (in a thread); everything else passes straight on.
    """

    async_capable = True
    sync_capable = True

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def _static_file(self, request: HttpRequest) -> Any:
        if self.autorefresh:
            return self.find_file(request.path_info)
        return self.files.get(request.path_info)

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        static_file = self._static_file(request)
        if static_file is not None:
            return await sync_to_async(self.serve, thread_sensitive=False)(static_file, request)
        return await self.get_response(request)


def _refuse_nul(request: HttpRequest) -> HttpResponse | None:
    """No text we store or search may hold a NUL character (PostgreSQL refuses it in text
    columns mid-query, SQLite keeps it silently).

    A NUL in a link's query string is dropped from the value: a filter or search never means
    one, and a hostile filter is ignored like any other unreadable one. An HTML form body
    carrying one is a 400 here; an API body is refused by the API's parsers instead
    (``core.parsers``), which run after authentication and permissions, so a caller still
    learns first whether they may ask at all.
    """
    if "%00" in request.META.get("QUERY_STRING", ""):
        cleaned = QueryDict(mutable=True, encoding=request.encoding)
        for key, values in request.GET.lists():
            cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
        cleaned._mutable = False
        request.GET = cleaned
    if request.method != "POST" or request.path.startswith("/api/"):
        return None
    try:
        params = list(request.POST.lists())
    except Exception:  # an unreadable body is the view's to refuse
        return None
    if any("\x00" in key or any("\x00" in v for v in values) for key, values in params):
        return HttpResponse(
            "The form carries a NUL character, which no field accepts.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return None
