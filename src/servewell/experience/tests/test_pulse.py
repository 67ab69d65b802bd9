"""The team pulse: anonymity in the database, k suppression, no difference attack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.experience import pulse
from servewell.experience.models import PulseInvite, PulseResponse, PulseRound
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team

pytestmark = pytest.mark.django_db


def _members(team, n, prefix):
    return [make_person(f"{prefix}{i}", [Role.AGENT], team=team) for i in range(n)]


def _answer_all(people, pulse_round, now, enps=9):
    for person in people:
        pulse.answer(
            person,
            pulse_round.pk,
            enps=enps,
            again="yes",
            supported=4,
            comment=f"note from someone {enps}",
            now=now,
        )


def _columns(model) -> set[str]:
    with connection.cursor() as cursor:
        return {
            c.name
            for c in connection.introspection.get_table_description(cursor, model._meta.db_table)
        }


def test_a_response_row_has_no_user_no_time_and_nothing_that_joins_to_a_person():
    columns = _columns(PulseResponse)
    assert columns == {"id", "round_id", "enps", "again", "supported", "comment"}
    relations = {f.related_model for f in PulseResponse._meta.get_fields() if f.is_relation}
    assert relations == {PulseRound}


def test_who_answered_is_kept_apart_and_cannot_be_linked_to_an_answer(care):
    now = timezone.now()
    people = _members(care, 6, "p")
    item = pulse.open_round(None, care, now=now)
    _answer_all(people[:3], item, now)
    invite_columns = _columns(PulseInvite)
    assert invite_columns == {"id", "round_id", "user_id", "answered"}  # no time, no answer
    # Invites were written when the round opened, in user order: their order and ids say
    # nothing about who answered first. Answers have random ids.
    ids = list(
        PulseInvite.objects.filter(round=item).order_by("id").values_list("user_id", flat=True)
    )
    assert ids == sorted(ids)
    assert all(len(str(pk)) == 36 for pk in PulseResponse.objects.values_list("id", flat=True))
    assert PulseInvite.objects.filter(round=item, answered=True).count() == 3


def test_k_defaults_to_5_is_at_least_3_and_is_fixed_when_the_round_opens(care):
    from django.db import IntegrityError

    from servewell.experience.models import ExperienceSettings

    now = timezone.now()
    _members(care, 3, "k")
    item = pulse.open_round(None, care, now=now)
    assert item.k == 5
    with pytest.raises(DomainError):
        pulse.open_round(None, make_team("Tiny"), now=now, k=2)
    ExperienceSettings.objects.create(team=care, pulse_k=7)
    item.refresh_from_db()
    assert item.k == 5
    with pytest.raises(IntegrityError):
        PulseRound.objects.filter(pk=item.pk).update(k=2)


def test_a_member_answers_once_and_outsiders_not_at_all(care, bob):
    now = timezone.now()
    people = _members(care, 3, "o")
    item = pulse.open_round(None, care, now=now)
    _answer_all(people[:1], item, now)
    with pytest.raises(DomainError):
        _answer_all(people[:1], item, now)
    with pytest.raises(Forbidden):
        pulse.answer(bob, item.pk, enps=0, again="no", supported=1, now=now)
    with pytest.raises(DomainError):
        pulse.answer(people[1], item.pk, enps=11, again="no", supported=1, now=now)
    assert PulseResponse.objects.count() == 1


def test_no_figure_and_no_comment_below_k_nor_while_the_round_is_open(care):
    now = timezone.now()
    people = _members(care, 6, "s")
    item = pulse.open_round(None, care, now=now)
    _answer_all(people[:4], item, now)
    [result] = pulse.round_results([item])
    assert not result.shown  # open
    pulse.close_round(None, item, now=now + timedelta(days=7))
    [result] = pulse.round_results([item])
    assert not result.shown and result.enps is None and result.comments == []


def test_a_suppressed_team_cannot_be_computed_as_all_teams_minus_the_others(care, orders):
    now = timezone.now()
    big, small = _members(care, 6, "b"), _members(orders, 4, "t")
    big_round = pulse.open_round(None, care, now=now)
    small_round = pulse.open_round(None, orders, now=now)
    _answer_all(big, big_round, now, enps=10)
    _answer_all(small, small_round, now, enps=0)
    for item in (big_round, small_round):
        pulse.close_round(None, item, now=now + timedelta(days=1))
    rows, everyone = pulse.by_team(None, now - timedelta(days=1), now + timedelta(days=2))
    shown = {r.label: r for r in rows}
    assert not shown["Orders"].shown and shown["Care"].shown
    # The total holds only shown rounds: it equals Care's figures, so "all minus Care"
    # is empty, not Orders.
    assert everyone.respondents == shown["Care"].respondents == 6
    assert everyone.enps == shown["Care"].enps == 100.0
    assert pulse.aggregate("Orders", [small_round]).enps is None


def test_the_schedule_opens_and_closes_rounds(care):
    now = timezone.now()
    _members(care, 3, "c")
    assert pulse.tick(now=now)["opened"] >= 1
    assert pulse.tick(now=now + timedelta(days=8))["closed"] >= 1
    assert pulse.tick(now=now + timedelta(days=15))["opened"] >= 1
