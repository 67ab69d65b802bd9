"""Shared steps of the desk API views: validate input, resolve ids, answer a conflict."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.response import Response

from servewell.core.api import validated
from servewell.core.errors import DomainError
from servewell.desk import (
    queries,
)
from servewell.desk.api.serializers import ConversationOut
from servewell.desk.conversations import StaleVersion
from servewell.people.access import visible_teams
from servewell.people.models import Team, User


def valid(serializer_class: type[serializers.Serializer], data: Any) -> dict:
    return validated(serializer_class, data)


def team_by_id(team_id: Any, field: str = "team", *, user: User | None = None) -> Team:
    teams = visible_teams(user) if user is not None else Team.objects.all()
    team = teams.filter(pk=team_id, is_active=True).first()
    if team is None:
        raise DomainError("invalid", "No such active team.", field=field)
    return team


def person_by_id(person_id: Any) -> User:
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise DomainError("invalid", "No such person.", field="assignee")
    return person


def conflict(exc: StaleVersion) -> Response:
    body = exc.as_dict()
    body["current"] = ConversationOut(queries.conversation_with_relations(exc.conversation)).data
    return Response(body, status=status.HTTP_409_CONFLICT)
