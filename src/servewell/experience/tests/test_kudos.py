"""Kudos: colleagues and leads give them, customers' praise is passed on, the wall."""

from __future__ import annotations

import pytest
from django.utils import timezone

from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.core.models import Notification
from servewell.experience import kudos
from servewell.experience.models import Kudos

pytestmark = pytest.mark.django_db


def test_a_lead_gives_kudos_that_reach_the_person(care, alice, lena):
    kudos.give_kudos(
        lena, alice, value="ownership", message="Owned the outage.", now=timezone.now()
    )
    assert Notification.objects.filter(user=alice, title__contains="kudos").exists()


def test_a_peer_gives_kudos_and_the_lead_hears_of_it(care, alice, lena):
    from servewell.people.models import Role
    from servewell.people.tests.factories import make_person

    peer = make_person("pat", [Role.AGENT], team=care)
    kudos.give_kudos(peer, alice, value="teamwork", message="Covered my queue.", now=timezone.now())
    assert Notification.objects.filter(user=lena, title__contains="Kudos for").exists()


def test_no_kudos_to_oneself_to_other_teams_or_without_words(alice, bob):
    now = timezone.now()
    with pytest.raises(Forbidden):
        kudos.give_kudos(alice, alice, value="craft", message="Me!", now=now)
    with pytest.raises(Forbidden):
        kudos.give_kudos(alice, bob, value="craft", message="Hi", now=now)
    with pytest.raises(DomainError):
        kudos.give_kudos(alice, bob, value="bribery", message="Hi", now=now)
    assert not Kudos.objects.exists()


def test_the_wall_filters_by_team_and_period(
    client_as, care, alice, lena, django_assert_max_num_queries
):
    kudos.give_kudos(lena, alice, value="empathy", message="Kind words.", now=timezone.now())
    client = client_as(lena)
    with django_assert_max_num_queries(12):
        page = client.get(f"/experience/kudos/?team={care.pk}&days=7")
    assert "Kind words." in page.content.decode()
    assert "Kind words." not in client.get("/experience/kudos/?team=999999").content.decode()
    assert client.get("/experience/kudos/?team=x&days=%00").status_code == 200
