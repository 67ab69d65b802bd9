"""Kudos: praise that reaches the person and their lead, and a recognition wall.

Peers (people who share a team) and leads and managers give kudos with a value tag; a
positive customer comment is passed on in one click by whoever reads it."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse

from servewell.core import audit, events, notifications
from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.experience.models import Kudos, KudosValue, SurveyKind, SurveyResponse
from servewell.experience.recovery import leads_of
from servewell.people.access import sees_all_teams
from servewell.people.models import Membership, User

KUDOS_GIVEN = events.declare(
    "kudos.given", "Someone was given kudos (by a colleague or a customer)."
)
MAX_MESSAGE = 1000


def may_give(giver: User, receiver: User) -> bool:
    if giver.pk == receiver.pk or not receiver.is_active:
        return False
    if sees_all_teams(giver):
        return True
    mine = Membership.objects.filter(user=giver).values("team_id")
    return Membership.objects.filter(user=receiver, team_id__in=mine).exists()


def _team_of(user: User) -> int | None:
    return (
        Membership.objects.filter(user=user)
        .order_by("-is_lead", "team_id")
        .values_list("team_id", flat=True)
        .first()
    )


def give_kudos(
    giver: User,
    receiver: User,
    *,
    value: str,
    message: str,
    now: datetime,
    source: SurveyResponse | None = None,
) -> Kudos:
    if value not in KudosValue.values:
        raise DomainError("invalid", "Choose a value.", field="value")
    message = " ".join((message or "").split())
    if not message:
        raise DomainError("invalid", "Say what they did.", field="message")
    if len(message) > MAX_MESSAGE:
        raise DomainError("invalid", f"At most {MAX_MESSAGE} characters.", field="message")
    if source is None and not may_give(giver, receiver):
        raise Forbidden("Kudos go to colleagues of your teams (not to yourself).")
    try:
        with transaction.atomic():
            kudos = Kudos.objects.create(
                receiver=receiver,
                giver=giver,
                team_id=_team_of(receiver),
                value=value,
                message=message,
                source=source,
                created_at=now,
            )
            _tell(kudos, now)
            audit.record(giver, "experience.kudos.given", kudos, after={"receiver": receiver.pk})
            events.publish(
                KUDOS_GIVEN,
                {
                    "kudos": kudos.pk,
                    "receiver": receiver.pk,
                    "giver": giver.pk,
                    "value": value,
                    "from_customer": source is not None,
                },
            )
    except IntegrityError:
        raise DomainError("duplicate", "This comment was passed on already.") from None
    return kudos


def _tell(kudos: Kudos, now: datetime) -> None:
    url = reverse("experience-wall")
    who = "A customer" if kudos.source_id else str(kudos.giver)
    notifications.notify(
        [kudos.receiver],
        f"{who} sent you kudos: {kudos.get_value_display()}",
        body=kudos.message,
        url=url,
        now=now,
    )
    if kudos.team_id:
        leads = [u for u in leads_of(kudos.receiver_id, kudos.team_id) if u.pk != kudos.giver_id]
        notifications.notify(
            leads,
            f"Kudos for {kudos.receiver}: {kudos.get_value_display()}",
            body=kudos.message,
            url=url,
            now=now,
        )


def pass_on(actor: User, response: SurveyResponse, *, now: datetime) -> Kudos:
    """One click: a positive customer comment becomes kudos for the person who handled it."""
    if response.kind != SurveyKind.CSAT or response.score < 4 or not response.comment:
        raise DomainError("invalid", "Only a positive rating with a comment can be passed on.")
    if response.handler is None:
        raise DomainError("invalid", "Nobody handled this conversation.")
    if Kudos.objects.filter(source=response).exists():
        raise DomainError("duplicate", "This comment was passed on already.")
    return give_kudos(
        actor,
        response.handler,
        value=KudosValue.CUSTOMER,
        message=response.comment,
        now=now,
        source=response,
    )


def wall(
    team_ids: list[int] | None, *, team_id: int | None, start: datetime | None, end: datetime | None
) -> QuerySet[Kudos]:
    qs = Kudos.objects.select_related("receiver", "giver", "team")
    if team_ids is not None:
        qs = qs.filter(team_id__in=team_ids)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    return qs.order_by("-created_at", "-id")
