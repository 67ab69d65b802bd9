"""Pages: agreement between auto-QA and reviewers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from servewell.autoqa import queries
from servewell.autoqa.access import AUTOQA_MANAGE
from servewell.core.access import requires


@requires(AUTOQA_MANAGE)
def agreement(request: HttpRequest) -> HttpResponse:
    return render(request, "autoqa/agreement.html", {"rows": queries.agreement_table()})
