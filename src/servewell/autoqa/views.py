"""Pages: agreement between auto-QA and reviewers; links from scorecard criteria to
auto criteria."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from servewell.autoqa import links, queries
from servewell.autoqa.access import AUTOQA_MANAGE
from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id
from servewell.quality.access import QUALITY_MANAGE


@requires(AUTOQA_MANAGE)
def agreement(request: HttpRequest) -> HttpResponse:
    return render(request, "autoqa/agreement.html", {"rows": queries.agreement_table()})


@requires(QUALITY_MANAGE)
def link_list(request: HttpRequest) -> HttpResponse:
    """Each live scorecard criterion with the auto criterion that pre-fills it; one small
    form per row sets or clears the link."""
    error, status = None, 200
    if request.method == "POST":
        try:
            criterion = links.find_linkable(parse_id(request.POST.get("criterion")))
            if criterion is None:
                raise DomainError("not_found", "That criterion cannot be linked (any more).")
            auto = request.POST.get("auto", "")
            links.set_link(request.user, criterion, auto=auto)
            messages.success(
                request,
                f"{criterion.title}: "
                + (f"answered by auto-QA {auto}." if auto else "no longer linked."),
            )
            return redirect("autoqa-links")
        except DomainError as exc:
            error, status = exc.message, 400
    return render(
        request,
        "autoqa/links.html",
        {"rows": links.list_links(), "choices": links.AUTO_LABELS.items(), "error": error},
        status=status,
    )
