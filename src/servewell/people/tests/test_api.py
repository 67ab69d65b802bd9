"""The people, teams, presence and token API: happy paths and bad input."""

from __future__ import annotations

import re

import pytest

from servewell.core.models import AuditEntry
from servewell.people.models import Membership, Team, User
from servewell.people.tokens import create_token


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_admin_creates_a_person_with_roles(client_as, adam):
    client = client_as(adam)
    response = post(
        client,
        "/api/people/",
        {
            "username": "nia",
            "email": "Nia@Example.org",
            "display_name": "Nia",
            "roles": ["agent", "lead"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "nia@example.org"
    assert body["roles"] == ["agent", "lead"]
    assert AuditEntry.objects.filter(action="person.created", object_id=str(body["id"])).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "username"),
        ({"username": "x", "email": "not-an-email"}, "email"),
        ({"username": "x", "email": "x@example.org", "roles": ["pope"]}, "roles"),
        ({"username": "x y!", "email": "x@example.org"}, "username"),
        ({"username": "x", "email": "x@example.org", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"username": "adam", "email": "other@example.org"}, "username"),
        ({"username": "x", "email": "adam@example.org"}, "email"),
        ({"username": ["x"], "email": "x@example.org"}, "username"),
    ],
)
def test_creating_a_person_with_bad_input_names_the_field(client_as, adam, payload, field):
    response = post(client_as(adam), "/api/people/", payload)
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_a_400_not_a_500(client_as, adam):
    response = client_as(adam).post("/api/people/", b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_admin_changes_roles_and_deactivates(client_as, adam, alice):
    client = client_as(adam)
    response = client.patch(
        f"/api/people/{alice.pk}/", {"roles": ["agent", "qa"]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["agent", "qa"]
    assert client.delete(f"/api/people/{alice.pk}/").status_code == 204
    alice.refresh_from_db()
    assert not alice.is_active
    entry = AuditEntry.objects.filter(action="person.updated", object_id=str(alice.pk)).first()
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}


@pytest.mark.parametrize(
    "payload", [{"roles": "agent"}, {"is_active": "maybe"}, {"email": ""}, {"time_zone": "Nowhere"}]
)
def test_bad_person_changes_are_refused(client_as, adam, alice, payload):
    response = client_as(adam).patch(
        f"/api/people/{alice.pk}/", payload, content_type="application/json"
    )
    assert response.status_code == 400


def test_an_admin_cannot_deactivate_themselves(client_as, adam):
    response = client_as(adam).delete(f"/api/people/{adam.pk}/")
    assert response.status_code == 400
    assert "is_active" in response.json()


def test_people_list_uses_a_fixed_number_of_queries(
    client_as, adam, care, django_assert_max_num_queries
):
    from servewell.people.tests.factories import make_person

    for i in range(30):
        make_person(f"p{i}", ["agent"], team=care)
    client = client_as(adam)
    with django_assert_max_num_queries(6):
        response = client.get("/api/people/?page_size=25")
    assert len(response.json()["results"]) == 25
    assert response.json()["next"]


def test_people_list_pages_with_a_cursor(client_as, adam, care):
    from servewell.people.tests.factories import make_person

    for i in range(7):
        make_person(f"c{i}", ["agent"], team=care)
    client = client_as(adam)
    seen, url = [], "/api/people/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [p["id"] for p in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == User.objects.count()


def test_team_create_members_and_calendar(client_as, adam, alice):
    client = client_as(adam)
    team = post(client, "/api/teams/", {"name": "Night shift", "time_zone": "Asia/Tokyo"}).json()
    members = post(client, f"/api/teams/{team['id']}/members/", {"user": alice.pk, "is_lead": True})
    assert members.status_code == 200
    assert members.json()[0]["username"] == "alice" and members.json()[0]["is_lead"]
    cal = client.put(
        f"/api/teams/{team['id']}/calendar/",
        {
            "time_zone": "Asia/Tokyo",
            "holiday_country": "jp",
            "hours": [
                {"weekday": 0, "opens": "22:00", "closes": "06:00"},
                {"weekday": 1, "opens": "09:00", "closes": "12:00"},
                {"weekday": 1, "opens": "13:00", "closes": "17:00"},
            ],
        },
        content_type="application/json",
    )
    assert cal.status_code == 200, cal.content
    assert cal.json()["holiday_country"] == "JP"
    assert len(cal.json()["hours"]) == 3
    day = post(
        client,
        f"/api/teams/{team['id']}/closed-days/",
        {"date": "2026-12-31", "reason": "Year end"},
    )
    assert day.status_code == 201
    again = post(client, f"/api/teams/{team['id']}/closed-days/", {"date": "2026-12-31"})
    assert again.status_code == 400 and "date" in again.json()
    assert client.delete(f"/api/teams/{team['id']}/members/{alice.pk}/").status_code == 204
    assert not Membership.objects.filter(user=alice).exclude(team__name="Care").exists()


@pytest.mark.parametrize(
    ("url_suffix", "method", "payload", "field"),
    [
        ("", "post", {}, "name"),
        ("", "post", {"name": "Care"}, "name"),
        ("", "post", {"name": "X", "email": "nope"}, "email"),
        ("", "post", {"name": "X", "time_zone": "Atlantis/Capital"}, "time_zone"),
        ("{id}/", "patch", {"name": ""}, "name"),
        ("{id}/members/", "post", {"user": "abc"}, "user"),
        ("{id}/members/", "post", {}, "user"),
        (
            "{id}/calendar/",
            "put",
            {"time_zone": "UTC", "hours": [{"weekday": 9, "opens": "09:00", "closes": "17:00"}]},
            "hours",
        ),
        (
            "{id}/calendar/",
            "put",
            {"time_zone": "UTC", "hours": [{"weekday": 1, "opens": "09:00", "closes": "09:00"}]},
            "hours",
        ),
        (
            "{id}/calendar/",
            "put",
            {
                "time_zone": "UTC",
                "hours": [
                    {"weekday": 1, "opens": "09:00", "closes": "13:00"},
                    {"weekday": 1, "opens": "12:00", "closes": "17:00"},
                ],
            },
            "hours",
        ),
        ("{id}/calendar/", "put", {"time_zone": "Moon/Base", "hours": []}, "time_zone"),
        ("{id}/closed-days/", "post", {"date": "31/12/2026"}, "date"),
    ],
)
def test_team_endpoints_refuse_bad_input_with_field_errors(
    client_as, adam, care, url_suffix, method, payload, field
):
    url = "/api/teams/" + url_suffix.format(id=care.pk)
    response = getattr(client_as(adam), method)(url, payload, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_adding_an_unknown_person_to_a_team_is_404(client_as, adam, care):
    response = post(client_as(adam), f"/api/teams/{care.pk}/members/", {"user": 999999})
    assert response.status_code == 404


def test_me_and_presence(client_as, alice):
    client = client_as(alice)
    assert client.get("/api/me/").json()["username"] == "alice"
    response = client.put("/api/me/", {"presence": "available"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["presence"] == "available"
    bad = client.put("/api/me/", {"presence": "asleep"}, content_type="application/json")
    assert bad.status_code == 400 and "presence" in bad.json()


def test_tokens_are_created_shown_once_and_revoked(client, alice):
    client.force_login(alice)
    created = post(client, "/api/tokens/", {"name": "nightly export"})
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("sw_")
    listed = client.get("/api/tokens/").json()["results"]
    assert "token" not in listed[0]
    client.logout()
    me = client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200 and me.json()["username"] == "alice"
    client.force_login(alice)
    assert client.delete(f"/api/tokens/{created.json()['id']}/").status_code == 204
    client.logout()
    assert client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "x" * 101}])
def test_token_creation_needs_a_sensible_name(client_as, alice, payload):
    response = post(client_as(alice), "/api/tokens/", payload)
    assert response.status_code == 400 and "name" in response.json()


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer sw_nope_nope", "Bearer garbage", "Token sw_", "Bearer \xff"],
)
def test_bad_tokens_are_401_with_a_message(client, db, header):
    response = client.get("/api/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_token_of_a_deactivated_person_stops_working(client, alice):
    _token, raw = create_token(alice, name="script")
    alice.is_active = False
    alice.save()
    assert client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_tokens_are_stored_hashed(alice):
    token, raw = create_token(alice, name="script")
    assert raw not in (token.digest, token.prefix)
    assert len(token.digest) == 64


def test_openapi_schema_describes_the_api(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/people/",
        "/api/teams/{id}/calendar/",
        "/api/tokens/",
        "/api/webhooks/",
        "/api/jobs/failed/{id}/replay/",
        "/api/audit/",
        "/api/me/",
    ):
        assert path in schema["paths"], path
    assert "bearerToken" in schema["components"]["securitySchemes"]


def test_api_docs_page_loads_without_outside_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"http://" not in response.content.replace(b"http://testserver", b"")


def test_team_members_are_the_plain_list_the_schema_documents(client_as, client, adam, care, alice):
    members = client_as(adam).get(f"/api/teams/{care.pk}/members/")
    assert [m["username"] for m in members.json()] == ["alice"]
    schema = client.get("/api/schema/?format=json").json()
    answer = schema["paths"]["/api/teams/{id}/members/"]["get"]["responses"]["200"]
    documented = answer["content"]["application/json"]["schema"]
    # It documented a page ({"next", "results"}) the action never sends.
    assert documented["type"] == "array"
    assert documented["items"]["$ref"].endswith("/MemberOut")


def test_opening_hours_match_their_documented_shape(client_as, client, adam, care):
    hours = client_as(adam).get(f"/api/teams/{care.pk}/calendar/").json()["hours"]
    assert hours[0]["opens"] == "09:00:00"
    schema = client.get("/api/schema/?format=json").json()
    opens = schema["components"]["schemas"]["Hours"]["properties"]["opens"]
    # JSON Schema's "time" format demands a UTC offset; opening hours have none.
    assert "format" not in opens
    assert re.fullmatch(opens["pattern"], hours[0]["opens"])
    assert re.fullmatch(opens["pattern"], "22:00")


def test_usernames_in_any_script_match_their_documented_shape(client_as, client, adam):
    response = post(client_as(adam), "/api/people/", {"username": "zoë", "email": "z@example.org"})
    assert response.status_code == 201 and response.json()["username"] == "zoë"
    schema = client.get("/api/schema/?format=json").json()
    username = schema["components"]["schemas"]["PersonOut"]["properties"]["username"]
    # The model's pattern (^[\w.@+-]+$) is ASCII-only in JSON Schema: it rejected "zoë".
    assert "pattern" not in username and username["readOnly"]


def test_a_team_name_of_the_full_120_characters_is_accepted(client_as, adam):
    name = "N" * 120
    response = post(client_as(adam), "/api/teams/", {"name": name})
    assert response.status_code == 201, response.content
    calendar = Team.objects.get(name=name).calendar
    # Its calendar is named after it, within the column (PostgreSQL refused 126 characters).
    assert calendar.name.startswith("N") and len(calendar.name) <= 120
