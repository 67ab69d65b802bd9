"""Sampling plans, their runs and the "run now" button."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.quality import sampling
from servewell.quality.access import QUALITY_MANAGE
from servewell.quality.forms import PlanForm, put_error
from servewell.quality.models import SamplingPlan, SamplingRun


@requires(QUALITY_MANAGE)
def plans(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = sampling.create_plan(request.user, now=timezone.now(), **form.cleaned_data)
            messages.success(request, f"Sampling plan {plan} created; it runs every Monday.")
            return redirect("quality-sampling")
        except DomainError as exc:
            put_error(form, exc)
    return render(
        request,
        "quality/sampling.html",
        {
            "plans": SamplingPlan.objects.select_related("scorecard"),
            "runs": SamplingRun.objects.select_related("plan", "started_by")[:20],
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@requires(QUALITY_MANAGE)
@require_POST
def run_now(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(SamplingPlan.objects.select_related("scorecard"), pk=pk)
    try:
        run = sampling.run_sampling(request.user, plan, now=timezone.now())
        messages.success(
            request, f"{run.assigned} conversations of {run.people} people were assigned."
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("quality-sampling")
