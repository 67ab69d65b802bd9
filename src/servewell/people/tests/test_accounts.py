"""Accounts: invitations, reset, change, signature, service tokens — screens and API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache

from servewell.core.models import AuditEntry
from servewell.people import accounts
from servewell.people.models import User
from servewell.people.tests.factories import PASSWORD

LINK = re.compile(r"https?://\S+?(/(?:welcome|password/reset)/\S+/\S+/)")
NEW = "a-long-and-fresh-passphrase"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def _invite(client_as, adam, mailoutbox, django_capture_on_commit_callbacks, **extra):
    data = {"username": "nia", "email": "nia@example.org", "time_zone": "UTC", **extra}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(adam).post("/people/new/", data)
    assert response.status_code == 302
    return User.objects.get(username="nia")


def test_an_invitation_link_sets_the_password_once(
    client_as, adam, client, mailoutbox, django_capture_on_commit_callbacks
):
    nia = _invite(client_as, adam, mailoutbox, django_capture_on_commit_callbacks)
    assert not nia.has_usable_password()
    path = LINK.search(mailoutbox[-1].body).group(1)
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "Welcome to Servewell" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    nia.refresh_from_db()
    assert nia.check_password(NEW)
    again = client.get(path)
    assert again.status_code == 400 and "This link does not work" in again.content.decode()
    actions = set(AuditEntry.objects.filter(object_id=str(nia.pk)).values_list("action", flat=True))
    assert {"person.invited", "person.password_set"} <= actions


def test_an_invitation_link_expires(client, alice):
    alice.set_unusable_password()
    alice.save()
    old = accounts.InvitationTokenGenerator()
    old._now = lambda: dt.datetime.now() - dt.timedelta(days=8)
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    page = client.get(f"/welcome/{uid}/{old.make_token(alice)}/")
    assert page.status_code == 400


@pytest.mark.parametrize("path", ["/welcome/MQ/abc-def/", "/welcome/!!/x/", "/welcome/zzzz/1-2/"])
def test_a_tampered_invitation_link_is_a_clear_400(db, client, path):
    page = client.get(path)
    assert page.status_code == 400 and "This link does not work" in page.content.decode()


def test_a_resent_invitation_voids_the_first_link(
    client_as, adam, client, mailoutbox, django_capture_on_commit_callbacks
):
    nia = _invite(client_as, adam, mailoutbox, django_capture_on_commit_callbacks)
    first = LINK.search(mailoutbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(adam).post(f"/api/people/{nia.pk}/resend-invitation/")
    assert response.status_code == 202 and len(mailoutbox) == 2
    assert client.get(first).status_code == 400
    assert client.get(LINK.search(mailoutbox[-1].body).group(1)).status_code == 302


def test_only_admins_invite_and_the_api_takes_no_password(
    client_as, adam, alice, mailoutbox, django_capture_on_commit_callbacks
):
    payload = {"username": "zoe", "email": "zoe@example.org", "password": "typed-by-admin-1"}
    assert client_as(alice).post("/api/people/invite/", payload).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(adam).post("/api/people/invite/", payload)
    assert response.status_code == 201
    zoe = User.objects.get(username="zoe")
    assert not zoe.has_usable_password() and mailoutbox[-1].to == ["zoe@example.org"]


def test_a_service_account_gets_a_token_from_the_screens_not_an_invitation(
    client_as, adam, mailoutbox, django_capture_on_commit_callbacks
):
    bot = _invite(
        client_as, adam, mailoutbox, django_capture_on_commit_callbacks, roles=["service"]
    )
    assert mailoutbox == []
    admin = client_as(adam)
    admin.post(f"/people/{bot.pk}/tokens/", {"name": "phone system"})
    page = admin.get(f"/people/{bot.pk}/").content.decode()
    raw = re.search(r"(sw_[0-9a-f]{8}_\S+?)<", page).group(1)
    assert (
        client_as(adam).get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"]
        == "nia"
    )
    assert raw not in admin.get(f"/people/{bot.pk}/").content.decode()


def test_reset_does_not_reveal_whether_an_address_exists(client, alice, mailoutbox):
    known = client.post("/password/reset/", {"email": "alice@example.org"})
    unknown = client.post("/password/reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
    path = LINK.search(mailoutbox[0].body).group(1)
    form = client.get(path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    actions = set(
        AuditEntry.objects.filter(object_id=str(alice.pk)).values_list("action", flat=True)
    )
    assert {"person.password_reset_requested", "person.password_reset"} <= actions


def test_reset_mail_to_one_address_is_throttled(client, alice, mailoutbox, settings):
    for _ in range(settings.PASSWORD_RESET_LIMIT + 2):
        assert client.post("/password/reset/", {"email": "alice@example.org"}).status_code == 302
    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT


def test_reset_requests_from_one_client_are_throttled(db, client, settings):
    codes = [
        client.post("/password/reset/", {"email": f"x{n}@example.org"}).status_code
        for n in range(settings.PASSWORD_RESET_LIMIT * 4 + 1)
    ]
    assert codes[-1] == 429


def test_changing_ones_password_requires_the_old_one(client_as, alice):
    page = client_as(alice)
    wrong = page.post(
        "/me/password/",
        {"old_password": "guess", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()
    api = page.post(
        "/api/me/password/",
        {"old_password": "guess", "new_password": NEW},
        content_type="application/json",
    )
    assert api.status_code == 400 and "old_password" in api.json()
    right = page.post(
        "/api/me/password/",
        {"old_password": PASSWORD, "new_password": NEW},
        content_type="application/json",
    )
    assert right.status_code == 204
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert AuditEntry.objects.filter(action="person.password_changed", object_id=str(alice.pk))


def test_the_signature_is_set_on_the_profile_and_through_the_api(client_as, alice, bob):
    page = client_as(alice)
    page.post("/me/signature/", {"signature": "Alice\r\nCare team"})
    alice.refresh_from_db()
    assert accounts.signature_for(alice) == "Alice\nCare team"
    assert "Alice\nCare team" in page.get("/me/").content.decode()
    assert page.get("/api/me/signature/").json() == {"signature": "Alice\nCare team"}
    too_long = page.put(
        "/api/me/signature/", {"signature": "x" * 1001}, content_type="application/json"
    )
    assert too_long.status_code == 400
    assert client_as(bob).get("/api/me/signature/").json() == {"signature": ""}
    assert accounts.with_signature("Hello", alice) == "Hello\n\nAlice\nCare team"
