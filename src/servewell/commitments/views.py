"""Commitments screens: policies, team settings, aging board, accountability, the
conversation's clocks, and the opt-in public page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.commitments import accountability, acknowledge, aging, policies, sla
from servewell.commitments.access import COMMITMENTS_MANAGE, COMMITMENTS_VIEW
from servewell.commitments.forms import EscalationForm, PolicyForm, TeamCommitmentsForm
from servewell.commitments.models import ClockKind, SlaClock, SlaPolicy, TeamCommitments
from servewell.core.access import PUBLIC, requires
from servewell.core.compiled import CompiledModels
from servewell.core.errors import DomainError
from servewell.core.ids import object_or_404, parse_id
from servewell.desk.models import Conversation
from servewell.people.access import access_team, scope_to_teams, visible_team_ids, visible_teams
from servewell.people.models import Team

PERIODS = {"7": 7, "30": 30, "90": 90}


@requires(COMMITMENTS_VIEW)
def policy_list(request: HttpRequest) -> HttpResponse:
    teams = visible_teams(request.user).prefetch_related("sla_policies__escalations")
    return render(request, "commitments/policies.html", {"teams": teams})


@requires(COMMITMENTS_MANAGE)
def team_policies(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team(request.user, team_id, manage=True)
    policy = None
    if request.GET.get("policy"):
        policy = object_or_404(SlaPolicy, request.GET["policy"], team=team)
    form = PolicyForm(request.POST or None, instance=policy, prefix="p")
    rule_form = EscalationForm(prefix="e")
    if request.method == "POST" and request.POST.get("delete"):
        policies.delete_policy(
            request.user, object_or_404(SlaPolicy, request.POST["delete"], team=team)
        )
        messages.info(request, "Policy deleted.")
        return redirect("sla-team-policies", team_id=team.pk)
    if request.method == "POST" and request.POST.get("rule_for"):
        target = object_or_404(SlaPolicy, request.POST["rule_for"], team=team)
        rule_form = EscalationForm(request.POST, prefix="e")
        if rule_form.is_valid():
            try:
                policies.add_escalation(request.user, target, rule_form.cleaned_data)
                messages.success(request, "Escalation rule added.")
                return redirect("sla-team-policies", team_id=team.pk)
            except DomainError as exc:
                rule_form.add_error(exc.field, exc.message)
    elif request.method == "POST" and form.is_valid():
        try:
            policies.save_policy(request.user, team, form.cleaned_data, policy)
            messages.success(request, "Policy saved.")
            return redirect("sla-team-policies", team_id=team.pk)
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
    bad = bool(form.errors or rule_form.errors)
    return render(
        request,
        "commitments/team_policies.html",
        {
            "team": team,
            "form": form,
            "rule_form": rule_form,
            "editing": policy,
            "policies": team.sla_policies.prefetch_related("escalations__team"),
        },
        status=400 if bad else 200,
    )


@requires(COMMITMENTS_MANAGE)
def team_settings(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team(request.user, team_id, manage=True)
    current = TeamCommitments.objects.get_or_create(team=team)[0]
    form = TeamCommitmentsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        policies.save_settings(request.user, team, form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("sla-team-settings", team_id=team.pk)
    return render(
        request,
        "commitments/team_settings.html",
        {"team": team, "form": form},
        status=400 if form.errors else 200,
    )


@requires(COMMITMENTS_VIEW)
def aging_board(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = aging.board_for(request.user, now=now)
    peak = max([max(r.counts) for r in rows] + [1])
    return render(
        request,
        "commitments/aging.html",
        {"rows": rows, "buckets": [b[0] for b in aging.BUCKETS], "now": now, "peak": peak},
    )


@requires(COMMITMENTS_VIEW)
def accountability_report(request: HttpRequest) -> HttpResponse:
    days = PERIODS.get(request.GET.get("days", "30"), 30)
    kind = request.GET.get("kind", ClockKind.FIRST_RESPONSE)
    if kind not in ClockKind.values:
        kind = ClockKind.FIRST_RESPONSE
    end = timezone.now()
    start = end - timedelta(days=days)
    clocks = accountability.team_clocks(visible_team_ids(request.user))
    by_team = accountability.report(clocks, start=start, end=end, kind=kind, by="team")
    by_person = accountability.report(clocks, start=start, end=end, kind=kind, by="person")
    return render(
        request,
        "commitments/accountability.html",
        {
            "by_team": by_team,
            "by_person": by_person,
            "days": days,
            "kind": kind,
            "kinds": ClockKind.choices,
            "periods": PERIODS,
        },
    )


@requires(COMMITMENTS_VIEW)
def conversation_clocks(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The SLA panel of a conversation (an htmx partial, refreshed while open)."""
    pk = parse_id(conversation_id)
    conversation = None if pk is None else _CONVERSATION.first(pk)
    ids = visible_team_ids(request.user)
    if conversation is None or (ids is not None and conversation.team_id not in ids):
        raise Http404("No such conversation.")
    now = timezone.now()
    return render(
        request,
        "commitments/_clocks.html",
        {"clocks": sla.clocks_for(conversation, now), "conversation": conversation},
    )


#: Read every 30 s by each open conversation page: compiled once, scoped above.
_CONVERSATION = CompiledModels(lambda pk: Conversation.objects.filter(pk=pk))


@requires(COMMITMENTS_VIEW)
def apology(request: HttpRequest, conversation_id: int) -> JsonResponse:
    """The team's apology paragraph when a response target was missed, else empty."""
    conversation = get_object_or_404(
        scope_to_teams(Conversation.objects.all(), request.user), pk=conversation_id
    )
    text = ""
    if sla.was_breached(conversation):
        text = acknowledge.settings_for(conversation.team_id).apology
    return JsonResponse({"apology": text})


@requires(PUBLIC)
def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    team = Team.objects.filter(slug=slug, is_active=True, commitments__public_page=True).first()
    if team is None:
        raise Http404("This team does not publish its figures.")
    end = timezone.now()
    start = end - timedelta(days=30)
    clocks = SlaClock.objects.filter(team=team)
    first = accountability.report(clocks, start=start, end=end, by="team")
    resolution = accountability.report(clocks, start=start, end=end, kind="resolution", by="team")
    received = Conversation.objects.filter(team=team, created_at__gte=start).aggregate(
        n=Count("id"), open=Count("id", filter=~Q(status__in=["solved", "closed"]))
    )
    return render(
        request,
        "commitments/public.html",
        {
            "team": team,
            "first": first[0] if first else None,
            "resolution": resolution[0] if resolution else None,
            "received": received,
            "policies": team.sla_policies.filter(is_active=True),
        },
    )


@requires(COMMITMENTS_MANAGE)
@require_POST
def run_sweep(request: HttpRequest) -> HttpResponse:
    fired = sla.sweep(now=timezone.now())
    messages.info(
        request, f"Sweep done: {fired['warnings']} warnings, {fired['breaches']} breaches."
    )
    return redirect("sla-policies")
