"""The signed-in person comes back with their roles and teams in one query, and a role
taken away or a team left counts on the very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servewell.desk.tests.factories import make_conversation
from servewell.people.backends import load_access, with_access
from servewell.people.models import Membership, Role, RoleGrant
from servewell.people.tests.factories import make_person, make_team

pytestmark = pytest.mark.django_db


def test_roles_and_teams_come_with_the_user_in_one_query():
    care, orders = make_team("Care"), make_team("Orders")
    lena = make_person("lena", [Role.LEAD, Role.AGENT], team=care)
    Membership.objects.create(team=orders, user=lena)
    with CaptureQueriesContext(connection) as captured:
        user = load_access(with_access().get(pk=lena.pk))
        roles, teams = user.roles, user._team_ids
    assert len(captured.captured_queries) == 1
    assert roles == {Role.LEAD, Role.AGENT}
    assert teams == sorted([care.pk, orders.pk])


def test_a_superuser_without_grants_is_an_admin_of_no_team():
    root = make_person("root", is_superuser=True)
    user = load_access(with_access().get(pk=root.pk))
    assert user.roles == {Role.ADMIN}
    assert user._team_ids == []


def test_a_page_reads_the_session_and_the_person_once(client):
    care = make_team("Care")
    ada = make_person("ada", [Role.AGENT], team=care)
    client.force_login(ada)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/desk/").status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    own = (f'"people_rolegrant"."user_id" = {ada.pk}', f'"people_membership"."user_id" = {ada.pk}')
    assert not [q for q in sql if q.startswith("SELECT") and q.endswith(own)], sql
    assert len([q for q in sql if '"_role_codes"' in q]) == 1, sql


def test_a_role_taken_away_or_a_team_left_counts_on_the_next_request(client):
    care, orders = make_team("Care"), make_team("Orders")
    ada = make_person("ada", [Role.AGENT], team=care)
    theirs = make_conversation(care)
    client.force_login(ada)
    assert client.get(f"/desk/c/{theirs.pk}/").status_code == 200
    Membership.objects.filter(user=ada, team=care).delete()
    Membership.objects.create(user=ada, team=orders)
    assert client.get(f"/desk/c/{theirs.pk}/").status_code == 404
    RoleGrant.objects.filter(user=ada).delete()
    assert client.get("/desk/").status_code == 403


def test_a_deactivated_person_is_signed_out(client):
    ada = make_person("ada", [Role.AGENT], team=make_team("Care"))
    client.force_login(ada)
    ada.is_active = False
    ada.save(update_fields=["is_active"])
    response = client.get("/desk/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "/accounts/" in response["Location"]
