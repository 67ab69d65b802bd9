"""The people and team screens, driven through the test client as an admin or lead would."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.core.errors import DomainError
from servewell.people import teams
from servewell.people.models import ApiToken, ClosedDay, Membership, User


def test_admin_adds_a_person_through_the_form(client_as, adam):
    client = client_as(adam)
    response = client.post(
        "/people/new/",
        {
            "username": "nia",
            "email": "nia@example.org",
            "display_name": "Nia N",
            "time_zone": "Europe/Paris",
            "roles": ["agent", "trainer"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    nia = User.objects.get(username="nia")
    assert nia.roles == {"agent", "trainer"} and nia.time_zone == "Europe/Paris"
    page = client.get(response["Location"]).content.decode()
    assert "Nia N" in page and "Trainer" in page


def test_the_person_form_shows_field_errors_with_a_400(client_as, adam, alice):
    response = client_as(adam).post(
        "/people/new/", {"username": "alice", "email": "bad", "time_zone": "UTC"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address" in page


def test_admin_edits_roles_and_the_form_has_no_password(client_as, adam, alice, client):
    admin = client_as(adam)
    assert 'type="password"' not in admin.get(f"/people/{alice.pk}/edit/").content.decode()
    response = admin.post(
        f"/people/{alice.pk}/edit/",
        {
            "email": "alice@example.org",
            "display_name": "Alice",
            "time_zone": "UTC",
            "roles": ["lead"],
            "password": "a-much-better-passphrase",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.roles == {"lead"}
    assert not alice.check_password("a-much-better-passphrase")


def test_people_search_filters_and_htmx_returns_rows_only(client_as, adam, alice, bob):
    client = client_as(adam)
    page = client.get("/people/?q=ali").content.decode()
    assert "alice@example.org" in page and "bob@example.org" not in page
    rows = client.get("/people/?q=bob", HTTP_HX_REQUEST="true").content.decode()
    assert "<tr>" in rows and "<html" not in rows and "bob@example.org" in rows


def test_admin_creates_a_team_with_default_hours(client_as, adam):
    response = client_as(adam).post(
        "/teams/new/", {"name": "Billing", "email": "billing@example.org"}
    )
    assert response.status_code == 302
    page = client_as(adam).get(response["Location"]).content.decode()
    assert "Mon 09:00-17:00" in page and "Sat closed" in page


def test_a_lead_edits_hours_and_time_zone(client_as, lena, care):
    response = client_as(lena).post(
        f"/teams/{care.pk}/edit/",
        {
            "name": "Care",
            "email": "care@example.org",
            "description": "",
            "cal-time_zone": "Europe/Berlin",
            "cal-holiday_country": "de",
            "cal-holiday_subdivision": "by",
            "cal-hours": "Mon 08:00-12:00, 13:00-17:00\nTue 22:00-06:00\nSat closed",
        },
    )
    assert response.status_code == 302
    care.calendar.refresh_from_db()
    assert care.calendar.time_zone == "Europe/Berlin"
    assert (care.calendar.holiday_country, care.calendar.holiday_subdivision) == ("DE", "BY")
    assert [(h.weekday, h.opens.hour, h.closes.hour) for h in care.calendar.hours.all()] == [
        (0, 8, 12),
        (0, 13, 17),
        (1, 22, 6),
    ]


def test_bad_hours_are_shown_back_with_the_line_number(client_as, lena, care):
    response = client_as(lena).post(
        f"/teams/{care.pk}/edit/",
        {"name": "Care", "cal-time_zone": "UTC", "cal-hours": "Mon 09:00-17:00\nFunday 9-5"},
    )
    assert response.status_code == 400
    assert "Line 2" in response.content.decode()


def test_lead_adds_and_removes_members_and_closed_days(client_as, lena, care, bob):
    client = client_as(lena)
    client.post(f"/teams/{care.pk}/members/", {"user": bob.pk})
    assert Membership.objects.filter(team=care, user=bob).exists()
    client.post(f"/teams/{care.pk}/members/", {"remove": bob.pk})
    assert not Membership.objects.filter(team=care, user=bob).exists()
    client.post(f"/teams/{care.pk}/closed-days/", {"date": "2026-12-24", "reason": "Eve"})
    day = ClosedDay.objects.get(calendar=care.calendar)
    assert day.date == dt.date(2026, 12, 24)
    page = client.get(f"/teams/{care.pk}/").content.decode()
    assert "Eve" in page
    client.post(f"/teams/{care.pk}/closed-days/", {"remove": day.pk})
    assert not ClosedDay.objects.exists()


def test_presence_is_set_from_any_page(client_as, lena):
    client = client_as(lena)
    response = client.post("/me/presence/", {"presence": "busy"}, HTTP_REFERER="/teams/")
    assert response.status_code == 302 and response["Location"] == "/teams/"
    lena.refresh_from_db()
    assert lena.presence == "busy" and lena.presence_changed_at is not None
    client.post("/me/presence/", {"presence": "sleeping"})
    lena.refresh_from_db()
    assert lena.presence == "busy"


def test_profile_creates_a_token_shown_once_and_revokes_it(client_as, alice):
    client = client_as(alice)
    page = client.post("/me/", {"name": "nightly export"}, follow=True).content.decode()
    assert "sw_" in page and "copy it now" in page
    assert "copy it now" not in client.get("/me/").content.decode()
    token = ApiToken.objects.get(user=alice)
    client.post(f"/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_one_cannot_revoke_someone_elses_token(client_as, alice, bob):
    from servewell.people.tokens import create_token

    token, _ = create_token(bob, name="bob's")
    assert client_as(alice).post(f"/me/tokens/{token.pk}/revoke/").status_code == 404


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mon 9-17", "Line 1"),
        ("Xyz 09:00-17:00", "Line 1"),
        ("Mon 09:00", "Line 1"),
    ],
)
def test_hours_text_errors_say_where(text, message):
    with pytest.raises(DomainError) as err:
        teams.parse_hours_text(text)
    assert message in err.value.message


def test_hours_text_round_trips(care):
    text = "Mon 08:00-12:00, 13:00-17:00\nTue closed\nWed 22:00-06:00"
    teams.set_calendar(None, care, hours=teams.parse_hours_text(text))
    shown = teams.format_hours_text(care.calendar)
    assert teams.parse_hours_text(shown) == teams.parse_hours_text(text)
