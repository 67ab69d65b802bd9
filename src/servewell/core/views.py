"""Platform screens: home, health, audit log, dead-letter jobs, webhooks."""

from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from servewell.core import events, jobs, notifications, webhooks
from servewell.core.access import PUBLIC, CorePerm, requires
from servewell.core.errors import DomainError
from servewell.core.forms import WebhookForm
from servewell.core.models import AuditEntry, FailedJob, Notification, Webhook
from servewell.core.pages import paginate


@requires(PUBLIC)
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and `make run` checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:
        db_ok = False
    return JsonResponse(
        {"status": "ok" if db_ok else "degraded", "database": db_ok}, status=200 if db_ok else 503
    )


@requires(CorePerm.AUDIT_VIEW)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.all()
    action = request.GET.get("action", "").strip()
    object_type = request.GET.get("object_type", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    page = paginate(request, entries, 50)
    return render(
        request, "core/audit.html", {"page": page, "action": action, "object_type": object_type}
    )


@requires(CorePerm.JOBS_MANAGE)
def failed_jobs(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    qs = FailedJob.objects.all()
    if show == "open":
        qs = qs.filter(replayed_at=None, discarded_at=None)
    page = paginate(request, qs, 50)
    return render(request, "core/failed_jobs.html", {"page": page, "show": show})


@requires(CorePerm.JOBS_MANAGE)
@require_POST
def failed_job_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    failed = get_object_or_404(FailedJob, pk=pk)
    if action == "replay":
        try:
            jobs.replay(failed.pk)
            messages.success(request, f"Job {failed.task_name} is queued again.")
        except jobs.UnknownJob as exc:
            messages.error(request, str(exc))
    else:
        jobs.discard(failed.pk)
        messages.info(request, "Job discarded.")
    return redirect("failed-jobs")


@requires(CorePerm.WEBHOOKS_MANAGE)
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hook = webhooks.create_webhook(request.user, **form.cleaned_data)
            messages.success(request, f"Webhook “{hook.name}” created. Its secret: {hook.secret}")
            return redirect("webhook-detail", pk=hook.pk)
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
    return render(
        request,
        "core/webhooks.html",
        {
            "webhooks": Webhook.objects.all(),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@requires(CorePerm.WEBHOOKS_MANAGE)
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk)
    form = WebhookForm(
        request.POST or None,
        initial={
            "name": hook.name,
            "url": hook.url,
            "events": hook.events,
            "is_active": hook.is_active,
        },
    )
    if request.method == "POST":
        if request.POST.get("action") == "ping":
            webhooks.send_ping(request.user, hook)
            messages.info(request, "A ping event is on its way.")
            return redirect("webhook-detail", pk=hook.pk)
        if request.POST.get("action") == "delete":
            webhooks.delete_webhook(request.user, hook)
            messages.info(request, "Webhook deleted.")
            return redirect("webhooks")
        if form.is_valid():
            try:
                webhooks.update_webhook(request.user, hook, **form.cleaned_data)
                messages.success(request, "Webhook saved.")
                return redirect("webhook-detail", pk=hook.pk)
            except DomainError as exc:
                form.add_error(exc.field, exc.message)
    deliveries = paginate(request, hook.deliveries.all(), 25)
    return render(
        request,
        "core/webhook_detail.html",
        {
            "hook": hook,
            "form": form,
            "deliveries": deliveries,
            "catalogue": sorted(events.CATALOGUE.items()),
        },
        status=400 if form.errors else 200,
    )


@requires(CorePerm.SELF)
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notifications.mark_read(request.user)
        return redirect("notifications")
    page = paginate(request, Notification.objects.filter(user=request.user), 30)
    return render(request, "core/notifications.html", {"page": page})
