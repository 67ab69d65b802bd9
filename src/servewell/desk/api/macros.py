"""Macros and saved views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.desk import (
    macros,
    queries,
    savedviews,
)
from servewell.desk.access import (
    DESK_ADMIN,
    DESK_VIEW,
    DESK_WORK,
)
from servewell.desk.api.helpers import team_by_id, valid
from servewell.desk.api.serializers import MacroIn, MacroOut, MacroPatch, SavedViewIn, SavedViewOut
from servewell.desk.models import (
    Macro,
    SavedView,
)
from servewell.people.models import Team

# --- Macros ------------------------------------------------------------------------------


class MacroViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Canned replies. Agents list and use them; desk admins create, change and delete."""

    serializer_class = MacroOut
    access = DESK_WORK
    access_by_action = {
        "create": DESK_ADMIN,
        "partial_update": DESK_ADMIN,
        "destroy": DESK_ADMIN,
    }
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Macro.objects.none()
        return macros.macros_for(self.request.user).order_by("name", "id")

    def _macro_team(self, team_id: Any) -> Team | None:
        return team_by_id(team_id) if team_id else None

    @extend_schema(request=MacroIn, responses={201: MacroOut})
    def create(self, request: Request) -> Response:
        data = dict(valid(MacroIn, request.data))
        data["team"] = self._macro_team(data["team"])
        macro = macros.create_macro(request.user, **data)
        return Response(MacroOut(macro).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MacroPatch, responses={200: MacroOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        macro = self.get_object()
        data = dict(valid(MacroPatch, request.data))
        if "team" in data:
            data["team"] = self._macro_team(data["team"])
        return Response(MacroOut(macros.update_macro(request.user, macro, **data)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        macros.delete_macro(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Saved views -------------------------------------------------------------------------


class SavedViewViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The caller's saved inbox views; use one with ?saved=<id> on the conversation list."""

    serializer_class = SavedViewOut
    access = DESK_VIEW
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedView.objects.none()
        return queries.saved_views(self.request.user)

    @extend_schema(request=SavedViewIn, responses={201: SavedViewOut})
    def create(self, request: Request) -> Response:
        data = valid(SavedViewIn, request.data)
        view = savedviews.save_view(request.user, name=data["name"], filters=data["filters"])
        return Response(SavedViewOut(view).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        savedviews.delete_view(request.user, self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
