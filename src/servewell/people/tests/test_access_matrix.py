"""Role × URL: what each role may open, checked through the real URL routing."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from servewell.core.access import declared_permission
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team

ALL = {Role.AGENT, Role.LEAD, Role.MANAGER, Role.QA, Role.TRAINER, Role.ADMIN}

# url, roles that get in (everyone else: 403)
HTML = [
    ("/", ALL),
    ("/people/", ALL),
    ("/people/new/", {Role.ADMIN}),
    ("/teams/", ALL),
    ("/teams/new/", {Role.ADMIN}),
    ("/me/", ALL),
    ("/admin-tools/audit/", {Role.ADMIN, Role.MANAGER}),
    ("/admin-tools/jobs/", {Role.ADMIN}),
    ("/admin-tools/webhooks/", {Role.ADMIN}),
]
API = [
    ("/api/me/", ALL),
    ("/api/people/", ALL),
    ("/api/teams/", ALL),
    ("/api/tokens/", ALL),
    ("/api/audit/", {Role.ADMIN, Role.MANAGER}),
    ("/api/webhooks/", {Role.ADMIN}),
    ("/api/jobs/failed/", {Role.ADMIN}),
]


@pytest.fixture
def person_with(db):
    team = make_team("Matrix")

    def make(role):
        return make_person(f"only-{role}", [role], team=team, lead=role == Role.LEAD)

    return make


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize(("url", "allowed"), HTML + API, ids=[u for u, _ in HTML + API])
def test_each_role_opens_only_what_its_role_allows(client, person_with, role, url, allowed):
    client.force_login(person_with(role))
    response = client.get(url)
    expected = 200 if role in allowed else 403
    assert response.status_code == expected, f"{role} on {url}"


@pytest.mark.parametrize(("url", "_allowed"), HTML, ids=[u for u, _ in HTML])
def test_signed_out_visitors_are_sent_to_sign_in(client, db, url, _allowed):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(("url", "_allowed"), API, ids=[u for u, _ in API])
def test_api_without_credentials_is_401(client, db, url, _allowed):
    response = client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_person_without_roles_sees_only_home_and_profile(client, db):
    client.force_login(make_person("nobody"))
    assert client.get("/").status_code == 200
    assert client.get("/me/").status_code == 200
    assert client.get("/people/").status_code == 403


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if getattr(p, "app_name", None) == "admin":
                continue
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_every_view_declares_who_may_open_it():
    """A new screen or endpoint cannot be left open by forgetting: it must say."""
    missing = []
    for route, callback in _walk(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if cls is not None:  # DRF
            if getattr(cls, "access", None) is None and not getattr(cls, "access_by_action", None):
                missing.append(route)
        elif declared_permission(callback) is None:
            missing.append(route)
    assert missing == []


def test_agents_see_only_their_own_teams(client, alice, bob, care, orders):
    client.force_login(alice)
    page = client.get("/teams/").content.decode()
    assert "Care" in page and "Orders" not in page
    assert client.get(f"/teams/{orders.pk}/").status_code == 404
    assert client.get(f"/api/teams/{orders.pk}/").status_code == 404
    ids = [t["id"] for t in client.get("/api/teams/").json()["results"]]
    assert ids == [care.pk]


def test_agents_see_only_people_of_their_teams(client, alice, bob, lena):
    client.force_login(alice)
    names = {p["username"] for p in client.get("/api/people/").json()["results"]}
    assert names == {"alice", "lena"}
    assert client.get(f"/people/{bob.pk}/").status_code == 404


def test_managers_and_qa_see_every_team(client, maria, quinn, care, orders):
    for user in (maria, quinn):
        client.force_login(user)
        ids = {t["id"] for t in client.get("/api/teams/").json()["results"]}
        assert ids == {care.pk, orders.pk}


def test_a_lead_may_change_their_team_but_not_another(client, lena, care, orders):
    client.force_login(lena)
    assert client.get(f"/teams/{care.pk}/edit/").status_code == 200
    assert (
        client.patch(
            f"/api/teams/{care.pk}/", {"description": "We care."}, content_type="application/json"
        ).status_code
        == 200
    )
    assert client.get(f"/teams/{orders.pk}/edit/").status_code == 404


def test_an_agent_may_not_change_their_team(client, alice, care):
    client.force_login(alice)
    assert client.get(f"/teams/{care.pk}/edit/").status_code == 403
    response = client.patch(
        f"/api/teams/{care.pk}/", {"description": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
