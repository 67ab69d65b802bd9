"""The customer's conversation page (public: the signed link is the key)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from servewell.commitments import portal
from servewell.core.access import PUBLIC
from servewell.core.clientip import client_ip
from servewell.core.errors import DomainError
from servewell.desk import customer_links


@never_cache
def customer_conversation(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        conversation = customer_links.open_link(token, now=now)
    except customer_links.ExpiredLink:
        return _dead(request, expired=True)
    except customer_links.BadLink:
        return _dead(request, expired=False)
    error, status, body = "", 200, ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            portal.reply_as_customer(
                conversation, body=body, client=client_ip(request) or "?", now=now
            )
            messages.success(request, "Thank you, your message is with the team.")
            return redirect(request.path)
        except DomainError as exc:
            error, status = exc.message, exc.status
    view = portal.get_customer_view(conversation, now=now)
    return render(
        request,
        "commitments/customer_page.html",
        {"view": view, "error": error, "body": body},
        status=status,
    )


customer_conversation.access = PUBLIC


def _dead(request: HttpRequest, *, expired: bool) -> HttpResponse:
    return render(
        request,
        "commitments/customer_page_dead.html",
        {"expired": expired},
        status=410 if expired else 404,
    )
