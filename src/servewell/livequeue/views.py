"""Screens of the live queue: parse the request, call the domain, render."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id
from servewell.core.pages import paginate
from servewell.livequeue import alarm, metrics, queries, rules
from servewell.livequeue.access import QUEUE_RULES, QUEUE_VIEW
from servewell.livequeue.forms import AlarmRuleForm, PeriodForm, PresenceForm, QueueSettingsForm
from servewell.livequeue.models import AlarmRule
from servewell.people import presence
from servewell.people.access import access_team, can_manage_team
from servewell.people.models import Presence, User


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _user_tz(user: User) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _period(request: HttpRequest, default_days: int = 7) -> tuple[PeriodForm, dict]:
    """Whole days in the viewer's time zone; the end date is included."""
    form = PeriodForm(request.GET or None)
    tz = _user_tz(request.user)
    today = timezone.now().astimezone(tz).date()
    data = form.cleaned_data if form.is_valid() else {}
    end_day = data.get("end") or today
    start_day = data.get("start") or end_day - dt.timedelta(days=default_days - 1)
    if start_day > end_day:
        start_day, end_day = end_day, start_day
    start = dt.datetime.combine(start_day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return form, {
        "team": data.get("team"),
        "start": start,
        "end": end,
        "start_day": start_day,
        "end_day": end_day,
    }


@requires(QUEUE_VIEW)
def wallboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "livequeue/wallboard.html",
        {"snapshots": queries.snapshots(request.user), "big": request.GET.get("big") == "1"},
    )


@requires(QUEUE_VIEW)
def alarm_log(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    alarms = queries.list_alarms(
        request.user, team=period["team"], start=period["start"], end=period["end"]
    )
    page = paginate(request, alarms, 50)
    return render(
        request,
        "livequeue/alarms.html",
        {
            "page": page,
            "period": period,
            "summary": queries.alarm_summary(alarms),
            "teams": queries.visible_teams_for_queue(request.user),
        },
    )


@requires(QUEUE_VIEW)
def alarm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(queries.list_alarms(request.user), pk=pk)
    return render(
        request,
        "livequeue/alarm_detail.html",
        {
            "alarm": found,
            "responded": any(r.user_id == request.user.pk for r in found.responses.all()),
        },
    )


@requires(QUEUE_VIEW)
@require_POST
def alarm_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The no-JavaScript path of "I'm on it" (the banner posts to the API)."""
    found = get_object_or_404(queries.visible_alarms(request.user), pk=pk)
    try:
        alarm.respond(found, request.user)
        messages.success(request, "Thank you — you are marked available and on it.")
    except DomainError as exc:
        messages.info(request, exc.message)
    return redirect("queue-alarm", pk=found.pk)


@requires(QUEUE_VIEW)
def presence_board(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PresenceForm(request.POST)
        if form.is_valid():
            presence.set_presence(request.user, form.cleaned_data["presence"])
        else:
            messages.error(request, "Choose available, busy, away or offline.")
        if not request.htmx:
            return redirect("queue-presence")
    team = parse_id(request.GET.get("team"))
    people = queries.presence_board(request.user, team=team)
    template = "livequeue/_presence_rows.html" if request.htmx else "livequeue/presence.html"
    return render(
        request,
        template,
        {
            "people": people,
            "counts": queries.presence_counts(people),
            "choices": Presence.choices,
            "teams": queries.visible_teams_for_queue(request.user),
            "team": team,
        },
    )


@requires(QUEUE_VIEW)
def metrics_view(request: HttpRequest) -> HttpResponse:
    form, period = _period(request, default_days=1)
    teams = list(queries.visible_teams_for_queue(request.user))
    rows = []
    for team in teams:
        if period["team"] and team.pk != period["team"]:
            continue
        result = metrics.period_metrics(team.pk, period["start"], period["end"])
        rows.append({"team": team, "m": result, "staffing": metrics.staffing_suggestion(result)})
    return render(
        request, "livequeue/metrics.html", {"rows": rows, "period": period, "teams": teams}
    )


# --- Rules and settings ------------------------------------------------------------------------


@requires(QUEUE_RULES)
def rule_list(request: HttpRequest) -> HttpResponse:
    teams = list(queries.visible_teams_for_queue(request.user))
    rows = []
    for team in teams:
        qs = metrics.settings_for(team.pk)
        rows.append(
            {
                "team": team,
                "rules": list(AlarmRule.objects.filter(team=team).order_by("kind", "threshold")),
                "can_manage": can_manage_team(request.user, team),
                "settings": qs,
            }
        )
    return render(request, "livequeue/rules.html", {"rows": rows})


@requires(QUEUE_RULES)
def rule_create(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team(request.user, team_id, manage=True)
    form = AlarmRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rules.create_rule(request.user, team, **form.cleaned_data)
            messages.success(request, f"Alarm rule added to {team}.")
            return redirect("queue-rules")
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "livequeue/rule_form.html",
        {"form": form, "team": team},
        status=400 if form.errors else 200,
    )


@requires(QUEUE_RULES)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AlarmRule.objects.select_related("team"), pk=pk)
    team = access_team(request.user, rule.team_id, manage=True)
    if request.method == "POST" and request.POST.get("delete"):
        rules.delete_rule(request.user, rule)
        messages.info(request, "Alarm rule removed.")
        return redirect("queue-rules")
    initial = {
        "kind": rule.kind,
        "threshold": rule.threshold,
        "clear_threshold": rule.clear_threshold,
        "notify_org": rule.notify_org,
        "is_active": rule.is_active,
    }
    form = AlarmRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rules.update_rule(request.user, rule, **form.cleaned_data)
            messages.success(request, "Alarm rule saved.")
            return redirect("queue-rules")
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "livequeue/rule_form.html",
        {"form": form, "team": team, "rule": rule},
        status=400 if form.errors else 200,
    )


@requires(QUEUE_RULES)
def queue_settings(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team(request.user, team_id, manage=True)
    current = metrics.settings_for(team.pk)
    form = QueueSettingsForm(
        request.POST or None,
        initial={
            "service_level_seconds": current.service_level_seconds,
            "service_level_target_pct": current.service_level_target_pct,
            "short_abandon_seconds": current.short_abandon_seconds,
            "short_abandon_rule": current.short_abandon_rule,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            rules.update_settings(request.user, team, **form.cleaned_data)
            messages.success(request, f"Service level settings of {team} saved.")
            return redirect("queue-rules")
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "livequeue/settings_form.html",
        {"form": form, "team": team},
        status=400 if form.errors else 200,
    )
