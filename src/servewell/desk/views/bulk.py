"""The inbox's bulk bar: one action over the selected rows, with a summary of the result."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.desk import bulk, queries
from servewell.desk.access import DESK_WORK, conversations_for
from servewell.desk.forms import BulkForm
from servewell.desk.views.helpers import safe_next

#: Which form field carries the value of each action.
VALUE_FIELDS = {
    "assign": "assignee",
    "status": "status",
    "priority": "priority",
    "add_tag": "tag",
    "remove_tag": "tag",
    "merge": "target",
}


@require_POST
@requires(DESK_WORK)
def bulk_action(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    result, error = None, ""
    try:
        if not form.is_valid():
            raise DomainError("invalid", "Choose an action for the selected conversations.")
        action = form.cleaned_data["action"]
        items = bulk.parse_items(request.POST.getlist("ids"))
        value = form.cleaned_data.get(VALUE_FIELDS.get(action, ""), "")
        result = bulk.apply(request.user, items, action=action, value=value)
    except DomainError as exc:
        error = exc.message
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or result.summary)
        return redirect(safe_next(request, request.POST.get("next")) or "desk-inbox")
    return _fragment(request, result, error)


def _fragment(request: HttpRequest, result: bulk.BulkResult | None, error: str) -> HttpResponse:
    """The summary, and every selected row again (out of band) as it is now."""
    rows = []
    if result is not None:
        ids = [*result.updated, *result.unchanged, *result.skipped]
        visible = set(
            conversations_for(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        rows = queries.annotate_rows(queries.inbox_rows([pk for pk in ids if pk in visible]))
    context = {"result": result, "error": error, "rows": rows, "can_work": True}
    return render(request, "desk/_bulk_result.html", context, status=400 if error else 200)
