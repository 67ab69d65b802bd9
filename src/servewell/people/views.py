"""People, teams and one's own profile: parse the request, call the domain, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from servewell.core import notifications
from servewell.core.access import CorePerm, requires
from servewell.core.errors import DomainError
from servewell.core.ids import object_or_404, parse_id
from servewell.core.pages import paginate
from servewell.people import accounts, directory, presence, queries, teams, tokens
from servewell.people.access import (
    Perm,
    access_person,
    access_team,
    can_manage_team,
    people_only,
)
from servewell.people.forms import (
    CalendarForm,
    ClosedDayForm,
    MemberForm,
    PersonForm,
    PresenceForm,
    SignatureForm,
    TeamForm,
    TokenForm,
)
from servewell.people.models import ApiToken, Role, User


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@requires(Perm.PEOPLE_VIEW)
def people_list(request: HttpRequest) -> HttpResponse:
    q, role = request.GET.get("q", "").strip(), request.GET.get("role", "")
    people = queries.list_people(
        request.user, q=q, role=role, active=None if request.GET.get("all") else True
    )
    page = paginate(request, people, 50)
    template = "people/_people_rows.html" if request.htmx else "people/people_list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "q": q,
            "role": role,
            "roles": Role.choices,
            "can_manage": request.user.has_role(Role.ADMIN),
        },
    )


@requires(Perm.PEOPLE_MANAGE)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "is_active"}
        try:
            person = accounts.invite_person(request.user, **data)
            messages.success(request, f"{person} was added and invited by email.")
            return redirect("person-detail", pk=person.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@requires(Perm.PEOPLE_VIEW)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "memberships": person.memberships.select_related("team"),
            "can_manage": request.user.has_role(Role.ADMIN),
            **_account_context(request, person),
        },
    )


def _account_context(request: HttpRequest, person: User) -> dict:
    """What an admin may do for the person's account: a service account's token (shown
    once, after the redirect that issued it), or an invitation not yet accepted."""
    issued = request.session.pop("issued_token", None)
    service = person.has_role(Role.SERVICE)
    return {
        "is_service": service,
        "invited": not service and person.is_active and not person.has_usable_password(),
        "issued_token": issued["token"] if issued and issued["person"] == person.pk else None,
        "service_tokens": ApiToken.objects.filter(user=person) if service else (),
        "token_form": TokenForm(),
    }


@requires(Perm.PEOPLE_MANAGE)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    initial = {
        "username": person.username,
        "email": person.email,
        "display_name": person.display_name,
        "time_zone": person.time_zone,
        "roles": sorted(person.role_grants.values_list("role", flat=True)),
        "is_active": person.is_active,
    }
    form = PersonForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "username"}
        try:
            directory.update_person(request.user, person, **changes)
            messages.success(request, f"{person} was saved.")
            return redirect("person-detail", pk=person.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "person": person},
        status=400 if form.errors else 200,
    )


@requires(Perm.TEAMS_VIEW)
def team_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "people/team_list.html",
        {
            "teams": queries.list_teams(request.user),
            "can_create": request.user.has_role(Role.ADMIN),
        },
    )


@requires(Perm.TEAMS_MANAGE)
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = teams.create_team(request.user, **form.cleaned_data)
            messages.success(request, f"Team {team} was created with weekday hours 09–17.")
            return redirect("team-detail", pk=team.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request, "people/team_form.html", {"form": form}, status=400 if form.errors else 200
    )


@requires(Perm.TEAMS_VIEW)
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = access_team(request.user, pk)
    manage = can_manage_team(request.user, team)
    return render(
        request,
        "people/team_detail.html",
        {
            "team": team,
            "members": queries.team_members(team),
            "can_manage": manage,
            "member_form": MemberForm(people=people_only()) if manage else None,
            "closed_form": ClosedDayForm() if manage else None,
            "hours_text": teams.format_hours_text(team.calendar),
            "closed_days": team.calendar.closed_days.all(),
        },
    )


@requires(Perm.TEAMS_VIEW)
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = access_team(request.user, pk, manage=True)
    form = TeamForm(
        request.POST or None,
        initial={"name": team.name, "email": team.email, "description": team.description},
    )
    cal = team.calendar
    cal_form = CalendarForm(
        request.POST or None,
        prefix="cal",
        initial={
            "time_zone": cal.time_zone,
            "holiday_country": cal.holiday_country,
            "holiday_subdivision": cal.holiday_subdivision,
            "hours": teams.format_hours_text(cal),
        },
    )
    if request.method == "POST" and form.is_valid() and cal_form.is_valid():
        try:
            data = cal_form.cleaned_data
            hours = teams.parse_hours_text(data["hours"])
            teams.update_team(request.user, team, **form.cleaned_data)
            teams.set_calendar(
                request.user,
                team,
                time_zone=data["time_zone"],
                holiday_country=data["holiday_country"],
                holiday_subdivision=data["holiday_subdivision"],
                hours=hours,
            )
            messages.success(request, "Team saved.")
            return redirect("team-detail", pk=team.pk)
        except DomainError as exc:
            target = cal_form if exc.field in cal_form.fields else form
            _form_error(target, exc)
    return render(
        request,
        "people/team_form.html",
        {"form": form, "cal_form": cal_form, "team": team},
        status=400 if form.errors or cal_form.errors else 200,
    )


@requires(Perm.TEAMS_VIEW)
@require_POST
def team_member(request: HttpRequest, pk: int) -> HttpResponse:
    team = access_team(request.user, pk, manage=True)
    if request.POST.get("remove"):
        person = object_or_404(User, request.POST["remove"])
        try:
            teams.remove_member(request.user, team, person)
            messages.info(request, f"{person} left {team}.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("team-detail", pk=team.pk)
    form = MemberForm(request.POST, people=people_only())
    if form.is_valid():
        teams.add_member(
            request.user, team, form.cleaned_data["user"], is_lead=form.cleaned_data["is_lead"]
        )
        messages.success(request, f"{form.cleaned_data['user']} is in {team}.")
    else:
        messages.error(request, "Choose a person to add.")
    return redirect("team-detail", pk=team.pk)


@requires(Perm.TEAMS_VIEW)
@require_POST
def team_closed_day(request: HttpRequest, pk: int) -> HttpResponse:
    team = access_team(request.user, pk, manage=True)
    try:
        if request.POST.get("remove"):
            closed_day = parse_id(request.POST["remove"])
            if closed_day is None:
                raise DomainError("invalid", "No such closed day.", field="remove")
            teams.remove_closed_day(request.user, team, closed_day)
            messages.info(request, "Closed day removed.")
        else:
            form = ClosedDayForm(request.POST)
            if not form.is_valid():
                raise DomainError("invalid", "Enter a date like 2026-12-24.", field="date")
            teams.add_closed_day(request.user, team, **form.cleaned_data)
            messages.success(request, "Closed day added.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "Invalid closed day."))
    return redirect("team-detail", pk=team.pk)


@requires(CorePerm.SELF)
def profile(request: HttpRequest) -> HttpResponse:
    """Tokens are shown once: created on POST, kept in the session for the redirect that
    follows (so a reload cannot create a second one), then forgotten."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = tokens.create_token(request.user, name=form.cleaned_data["name"])
            request.session["new_token"] = raw
            return redirect("profile")
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "people/profile.html",
        {
            "form": form if request.method == "POST" else TokenForm(),
            "new_token": request.session.pop("new_token", None),
            "tokens": ApiToken.objects.filter(user=request.user),
            "memberships": request.user.memberships.select_related("team"),
            "preferences": notifications.get_preferences(request.user),
            "signature_form": SignatureForm(initial={"signature": request.user.signature}),
            "channels": notifications.Channel.choices,
        },
        status=400 if form.errors else 200,
    )


@requires(CorePerm.SELF)
@require_POST
def notification_preferences(request: HttpRequest) -> HttpResponse:
    choices = {
        key: request.POST[f"notify-{key}"]
        for key in notifications.KINDS
        if f"notify-{key}" in request.POST
    }
    try:
        notifications.set_preferences(request.user, choices)
    except notifications.UnknownKind as exc:
        messages.error(request, str(exc))
        return redirect("profile")
    messages.success(request, "Notification settings saved.")
    return redirect("profile")


@requires(CorePerm.SELF)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke_token(token, actor=request.user)
    messages.info(request, f"Token “{token.name}” revoked.")
    return redirect("profile")


@requires(CorePerm.SELF)
@require_POST
def my_presence(request: HttpRequest) -> HttpResponse:
    form = PresenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose available, busy, away or offline.")
        return redirect(_safe_back(request))
    presence.set_presence(request.user, form.cleaned_data["presence"])
    messages.success(request, f"You are now {request.user.get_presence_display().lower()}.")
    return redirect(_safe_back(request))


def _safe_back(request: HttpRequest) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return "/"


@requires(CorePerm.HOME)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "people/home.html", queries.home_summary(request.user))
