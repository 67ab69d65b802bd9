"""Macros and team settings (DESK_ADMIN; team settings also for the team's lead)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from servewell.core.access import can, requires
from servewell.core.errors import DomainError
from servewell.desk import (
    assignment,
    macros,
)
from servewell.desk.access import (
    DESK_ADMIN,
    DESK_WORK,
)
from servewell.desk.forms import (
    MacroForm,
    TeamSettingsForm,
)
from servewell.desk.models import Macro
from servewell.people.access import Perm, access_team, can_manage_team, visible_teams
from servewell.people.models import Team

# --- Macros and team settings (DESK_ADMIN; team settings also for the team's lead) --------


@requires(DESK_WORK)
def macro_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/macros.html",
        {
            "macros": list(macros.macros_for(request.user)),
            "can_admin": can(request.user, DESK_ADMIN),
        },
    )


@requires(DESK_ADMIN)
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    macro = get_object_or_404(Macro, pk=pk) if pk else None
    form = MacroForm(request.POST or None, instance=macro)
    form.fields["team"].queryset = Team.objects.filter(is_active=True).order_by("name")
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in MacroForm.Meta.fields}
        try:
            if macro is None:
                macro = macros.create_macro(request.user, **data)
            else:
                macros.update_macro(request.user, macro, **data)
            messages.success(request, f"Macro “{macro.name}” saved.")
            return redirect("desk-macros")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    status = 400 if form.errors else 200
    return render(request, "desk/macro_form.html", {"form": form, "macro": macro}, status=status)


@require_POST
@requires(DESK_ADMIN)
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro, pk=pk)
    macros.delete_macro(request.user, macro)
    messages.success(request, f"Macro “{macro.name}” deleted.")
    return redirect("desk-macros")


@requires(Perm.TEAM_SETTINGS)
def team_settings(request: HttpRequest) -> HttpResponse:
    """Desk settings of the teams the user may manage (admins, managers, the team's leads)."""
    manageable = [t for t in visible_teams(request.user) if can_manage_team(request.user, t)]
    if request.method == "POST":
        team = access_team(request.user, request.POST.get("team"), manage=True)
        form = TeamSettingsForm(request.POST)
        if form.is_valid():
            assignment.update_settings(request.user, team, **form.cleaned_data)
            messages.success(request, f"Desk settings of {team} saved.")
        return redirect("desk-settings")
    rows = [(t, assignment.get_settings(t)) for t in manageable]
    return render(request, "desk/settings.html", {"rows": rows})
