"""Staff pages: home, recovery, responses, reports, the team pulse, kudos, settings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core import charts
from servewell.core.access import Forbidden, can, requires
from servewell.core.errors import DomainError
from servewell.core.exports import csv_response
from servewell.core.ids import parse_id
from servewell.experience import kudos, pulse, queries, recovery, reports
from servewell.experience.access import EXPERIENCE_MANAGE, EXPERIENCE_REPORTS, EXPERIENCE_VIEW
from servewell.experience.models import (
    ExperienceSettings,
    KudosValue,
    PulseRound,
    Recovery,
    SurveyResponse,
)
from servewell.experience.surveys import settings_for
from servewell.people.access import (
    access_person,
    access_team,
    can_manage_team,
    scope_to_teams,
    visible_people,
    visible_team_ids,
    visible_teams,
)

PAGE = 50


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


@requires(EXPERIENCE_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    reporter = can(user, EXPERIENCE_REPORTS)
    open_recoveries = None
    if reporter:
        open_recoveries = (
            scope_to_teams(Recovery.objects.filter(action_at__isnull=True), user, "response__team")
            .select_related("response", "response__handler")
            .order_by("-opened_at")[:20]
        )
    return render(
        request,
        "experience/home.html",
        {
            "trend": queries.csat_trend_for_person(user, months=6, now=now),
            "kudos": queries.kudos_for(user, limit=5),
            "pulses": pulse.open_rounds_for(user, now=now),
            "recoveries": open_recoveries,
            "reporter": reporter,
        },
    )


def _recovery(request: HttpRequest, pk: int) -> Recovery:
    qs = scope_to_teams(Recovery.objects.all(), request.user, "response__team")
    found = qs.select_related("response__conversation", "response__handler").filter(pk=pk).first()
    if found is None:
        raise Http404("No such recovery.")
    return found


@requires(EXPERIENCE_REPORTS)
def recovery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _recovery(request, pk)
    if request.method == "POST":
        try:
            recovery.reopen(request.user, item, now=timezone.now())
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("experience-recovery", pk=pk)
        messages.success(request, f"#{item.response.conversation_id} reopened.")
        return redirect("desk-conversation", pk=item.response.conversation_id)
    return render(request, "experience/recovery.html", {"item": item, "r": item.response})


@requires(EXPERIENCE_REPORTS)
def response_list(request: HttpRequest) -> HttpResponse:
    qs = scope_to_teams(SurveyResponse.objects.all(), request.user)
    team = parse_id(request.GET.get("team"))
    if team is not None:
        qs = qs.filter(team_id=team)
    if request.GET.get("low"):
        qs = qs.filter(negative=True)
    rows = list(
        qs.select_related("handler", "team", "recovery", "kudos").order_by("-responded_at", "-id")[
            :PAGE
        ]
    )
    return render(
        request,
        "experience/responses.html",
        {
            "rows": rows,
            "teams": visible_teams(request.user),
            "team": team,
            "low": bool(request.GET.get("low")),
        },
    )


@require_POST
@requires(EXPERIENCE_VIEW)
def pass_on(request: HttpRequest, pk: int) -> HttpResponse:
    qs = scope_to_teams(SurveyResponse.objects.select_related("handler"), request.user)
    response = qs.filter(pk=pk).first()
    if response is None:
        raise Http404("No such response.")
    try:
        kudos.pass_on(request.user, response, now=timezone.now())
        messages.success(request, f"Passed on to {response.handler} as kudos.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(
        request.POST.get("next") if _safe(request.POST.get("next")) else "experience-wall"
    )


def _safe(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


# --- Reports -------------------------------------------------------------------------------


def _report_params(request: HttpRequest) -> dict:
    now = timezone.now()
    months = parse_id(request.GET.get("months")) or 6
    months = min(max(months, 1), 36)
    starts = queries.months_back(now, months)
    by = request.GET.get("by") if request.GET.get("by") in reports.GROUPS else "team"
    team = parse_id(request.GET.get("team"))
    ids = visible_team_ids(request.user)
    if team is not None and ids is not None and team not in ids:
        team = None
    return {"by": by, "months": months, "start": starts[0], "end": starts[-1], "team": team}


def _survey_rows(request: HttpRequest, p: dict) -> list[reports.Row]:
    return reports.survey_report(
        request.user, by=p["by"], start=p["start"], end=p["end"], team_id=p["team"]
    )


@requires(EXPERIENCE_REPORTS)
def report(request: HttpRequest) -> HttpResponse:
    p = _report_params(request)
    rows = _survey_rows(request, p)
    base = reverse("experience-responses")
    points = [
        charts.Point(
            r.label,
            r.csat,
            url=f"{base}?team={r.key}" if p["by"] == "team" else "",
            note=f"{r.responses} answers",
        )
        for r in rows
    ]
    start, end = _start_of(p["start"]), timezone.now()
    pulse_rows, pulse_all = pulse.by_team(
        visible_team_ids(request.user) if p["team"] is None else [p["team"]], start, end
    )
    return render(
        request,
        "experience/reports.html",
        {
            **p,
            "rows": rows,
            "total": reports.total(rows),
            "chart": charts.bar_chart("CSAT (share of 4-5)", points, unit="%", top=100),
            "teams": visible_teams(request.user),
            "pulse_rows": pulse_rows,
            "pulse_all": pulse_all,
            "query": request.GET.urlencode(),
        },
    )


@requires(EXPERIENCE_REPORTS)
def report_csv(request: HttpRequest) -> HttpResponse:
    p = _report_params(request)
    rows = _survey_rows(request, p)
    return csv_response(
        f"experience-{p['by']}-{p['start']:%Y-%m}", reports.HEADERS, reports.csv_rows(rows)
    )


# --- Pulse ---------------------------------------------------------------------------------


@requires(EXPERIENCE_REPORTS)
def pulse_page(request: HttpRequest) -> HttpResponse:
    teams = list(visible_teams(request.user))
    team_id = parse_id(request.GET.get("team"))
    team = next((t for t in teams if t.pk == team_id), teams[0] if teams else None)
    rounds = list(PulseRound.objects.filter(team=team).order_by("opened_at")) if team else []
    results = pulse.round_results(rounds)
    points = [
        charts.Point(
            r.label, r.enps if r.shown else None, note="" if r.shown else "fewer than k answers"
        )
        for r in results
    ]
    return render(
        request,
        "experience/pulse.html",
        {
            "teams": teams,
            "team": team,
            "results": results[::-1],
            "chart": charts.line_chart("eNPS by round", points, top=100),
            "manage": team is not None
            and can(request.user, EXPERIENCE_MANAGE)
            and can_manage_team(request.user, team),
            "open_round": next((r for r in rounds if r.closed_at is None), None),
        },
    )


@require_POST
@requires(EXPERIENCE_MANAGE)
def pulse_open(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team(request.user, team_id, manage=True)
    try:
        pulse.open_round(request.user, team, now=timezone.now(), k=request.POST.get("k") or None)
        messages.success(request, f"A pulse round for {team} is open.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "The threshold k must be a number."))
    return redirect(f"{reverse('experience-pulse')}?team={team.pk}")


@require_POST
@requires(EXPERIENCE_MANAGE)
def pulse_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = PulseRound.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("No such round.")
    access_team(request.user, item.team_id, manage=True)
    pulse.close_round(request.user, item, now=timezone.now())
    messages.success(request, "The round is closed.")
    return redirect(f"{reverse('experience-pulse')}?team={item.team_id}")


@requires(EXPERIENCE_VIEW)
def pulse_answer(request: HttpRequest, pk: int) -> HttpResponse:
    now, errors = timezone.now(), {}
    try:
        item = pulse.open_round_for(request.user, pk, now=now)
    except Forbidden:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("experience-home")
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("enps", "again", "supported", "comment")}
        try:
            pulse.answer(request.user, pk, now=now, **data)
            messages.success(request, "Thank you. Your answer is anonymous.")
            return redirect("experience-home")
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
            status = exc.status
    else:
        status = 200
    return render(
        request,
        "experience/pulse_answer.html",
        {
            "round": item,
            "errors": errors,
            "again_choices": pulse.Again.choices,
            "enps_range": range(11),
            "supported_range": range(1, 6),
        },
        status=status,
    )


# --- Kudos ---------------------------------------------------------------------------------


@requires(EXPERIENCE_VIEW)
def wall(request: HttpRequest) -> HttpResponse:
    user = request.user
    team = parse_id(request.GET.get("team"))
    days = parse_id(request.GET.get("days")) or 90
    now = timezone.now()
    rows = kudos.wall(
        visible_team_ids(user), team_id=team, start=now - timedelta(days=min(days, 3650)), end=None
    )[:PAGE]
    people = visible_people(user).exclude(pk=user.pk).filter(is_active=True)
    return render(
        request,
        "experience/wall.html",
        {
            "rows": list(rows),
            "teams": visible_teams(user),
            "team": team,
            "days": days,
            "people": people,
            "values": KudosValue.choices,
        },
    )


@require_POST
@requires(EXPERIENCE_VIEW)
def give(request: HttpRequest) -> HttpResponse:
    try:
        receiver = access_person(request.user, parse_id(request.POST.get("receiver")))
        kudos.give_kudos(
            request.user,
            receiver,
            value=request.POST.get("value", ""),
            message=request.POST.get("message", ""),
            now=timezone.now(),
        )
        messages.success(request, f"Kudos sent to {receiver}.")
    except (DomainError, Http404) as exc:
        messages.error(request, getattr(exc, "message", "Choose a colleague."))
    return redirect("experience-wall")


# --- Settings ------------------------------------------------------------------------------

SETTING_FIELDS = (
    "survey_delay_minutes",
    "contact_interval_days",
    "nps_interval_days",
    "link_days",
    "pulse_every_days",
    "pulse_open_days",
    "pulse_k",
)
BOOL_FIELDS = ("surveys_enabled", "pulse_enabled")
LIMITS = {"pulse_k": (3, 100), "survey_delay_minutes": (0, 60 * 24 * 14)}


@requires(EXPERIENCE_MANAGE)
def settings_page(request: HttpRequest) -> HttpResponse:
    teams = [t for t in visible_teams(request.user) if can_manage_team(request.user, t)]
    status = 200
    if request.method == "POST":
        team = access_team(request.user, request.POST.get("team"), manage=True)
        try:
            save_settings(request.user, team.pk, request.POST)
            messages.success(request, f"Experience settings of {team} saved.")
            return redirect("experience-settings")
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 400
    rows = [(t, settings_for(t.pk)) for t in teams]
    return render(request, "experience/settings.html", {"rows": rows}, status=status)


def save_settings(actor, team_id: int, data) -> ExperienceSettings:
    from servewell.core import audit

    values = {}
    for name in SETTING_FIELDS:
        low, high = LIMITS.get(name, (1, 3650))
        value = parse_id(data.get(name))
        if value is None or not low <= value <= high:
            raise DomainError(
                "invalid", f"{name.replace('_', ' ')}: a number from {low} to {high}.", field=name
            )
        values[name] = value
    for name in BOOL_FIELDS:
        values[name] = data.get(name) in ("on", "true", "1", True)
    row, _ = ExperienceSettings.objects.update_or_create(team_id=team_id, defaults=values)
    audit.record(actor, "experience.settings.changed", row, after=values)
    return row
