"""The public request form."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from servewell.core.access import PUBLIC, requires
from servewell.core.clientip import client_ip
from servewell.core.errors import DomainError
from servewell.desk import (
    webform,
)
from servewell.desk.forms import (
    WebRequestForm,
)


def _client_ip(request: HttpRequest) -> str:
    """The visitor's address as far as the deployment vouches for it: behind a trusted
    proxy every request shares the proxy's socket address, and a limit per socket
    address would let five requests an hour through for the whole internet."""
    return client_ip(request) or "unknown"


@require_http_methods(["GET", "POST"])
@requires(PUBLIC)
def help_request(request: HttpRequest) -> HttpResponse:
    teams = list(webform.public_teams())
    form = WebRequestForm(request.POST or None, teams=teams)
    status = 200
    if request.method == "POST":
        if request.POST.get("website"):
            # A robot filled the honeypot: look successful, keep nothing.
            return redirect(f"{reverse('help-request-sent')}?r=")
        if form.is_valid():
            data = form.cleaned_data
            try:
                received = webform.receive_request(
                    name=data["name"],
                    email=data["email"],
                    team_id=data["team"],
                    subject=data["subject"],
                    message=data["message"],
                    ip=_client_ip(request),
                    offered=teams,
                )
                token = signing.dumps(received.pk, salt=SENT_SALT)
                return redirect(f"{reverse('help-request-sent')}?r={token}")
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
        else:
            status = 400
    return render(request, "desk/help_request.html", {"form": form, "teams": teams}, status=status)


#: Names a stored request (a link signed before requests were stored named a conversation:
#: a different salt keeps such a link from naming the request with that number).
SENT_SALT = "desk.webform.received"


@requires(PUBLIC)
def help_request_sent(request: HttpRequest) -> HttpResponse:
    """The thank-you page. Its link is signed and lapses after an hour: it names the
    request, and a forged or old one shows the thanks without any reference."""
    try:
        pk = signing.loads(request.GET.get("r", ""), salt=SENT_SALT, max_age=3600)
    except signing.BadSignature:
        pk = None
    received = webform.received_request(pk if isinstance(pk, int) else None)
    context = {"reference": None, "answer_by": None, "filing": False}
    if received is not None and received.state != received.State.FAILED:
        context["reference"] = received.conversation.reference if received.conversation else None
        context["filing"] = received.conversation is None
        context["answer_by"] = webform.answer_by_for(received, now=timezone.now())
    return render(request, "desk/help_request_sent.html", context)
