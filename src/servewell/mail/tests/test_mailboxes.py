"""Mailbox settings: the rules, the admin screens, the API, and a real IMAP round trip."""

from __future__ import annotations

import pytest

from servewell.core.errors import DomainError
from servewell.core.models import AuditEntry
from servewell.desk.models import Message
from servewell.mail import mailboxes
from servewell.mail.models import Mailbox
from servewell.mail.tests import samples
from servewell.people.teams import update_team
from tests.support.mail import free_port

API = "/api/mail/mailboxes/"
USER, PASSWORD = samples.IMAP_USER, samples.IMAP_PASSWORD


def settings_for(team, /, **overrides):
    fields = {
        "name": "Care inbox",
        "team": team,
        "host": "imap.example.org",
        "port": 993,
        "use_ssl": True,
        "username": "care@example.org",
        "password_env": "CARE_IMAP_PASSWORD",
        "folder": "INBOX",
        "move_to": "",
        "is_active": True,
    }
    return {**fields, **overrides}


@pytest.fixture
def mailbox(adam, care):
    return mailboxes.create_mailbox(adam, **settings_for(care))


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: connecting is refused at once."""
    return free_port()


# --- the rules ---------------------------------------------------------------------------


def test_it_creates_a_mailbox_with_an_audit_entry_and_an_event(adam, care, commit, published):
    with commit():
        mailbox = mailboxes.create_mailbox(adam, **settings_for(care, host=" imap.example.org "))
    assert mailbox.host == "imap.example.org"
    entry = AuditEntry.objects.get(action="mail.mailbox_created")
    assert entry.actor == adam
    assert entry.after["password_env"] == "CARE_IMAP_PASSWORD"
    assert (
        "mail.mailbox_created",
        {"mailbox": mailbox.pk, "name": "Care inbox", "team": care.pk},
    ) in published


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": "  "}, "name", "required"),
        ({"host": ""}, "host", "required"),
        ({"host": "imaps://imap.example.org"}, "host", "host name only"),
        ({"host": "imap.example.org:993"}, "host", "Port field"),
        ({"port": 0}, "port", "1 to 65535"),
        ({"port": 65536}, "port", "1 to 65535"),
        ({"port": "nine"}, "port", "1 to 65535"),
        ({"username": ""}, "username", "required"),
        ({"username": "care team"}, "username", "spaces"),
        ({"password_env": "hunter2 is my password"}, "password_env", "environment variable"),
        ({"password_env": "1PASSWORD"}, "password_env", "environment variable"),
        ({"password_env": "SECRET_KEY"}, "password_env", "Servewell's own"),
        ({"folder": ""}, "folder", "required"),
        ({"folder": "Gelöscht"}, "folder", "modified UTF-7"),
        ({"folder": "INBOX\r\nA1 DELETE INBOX"}, "folder", "ASCII"),
        ({"move_to": "INBOX"}, "move_to", "another folder"),
        ({"team": 999_999}, "team", "Choose a team"),
    ],
)
def test_bad_settings_are_refused_with_the_field_to_fix(adam, care, changes, field, words):
    with pytest.raises(DomainError) as refused:
        mailboxes.create_mailbox(adam, **settings_for(care, **changes))
    assert refused.value.field == field
    assert words in refused.value.message
    assert not Mailbox.objects.exists()


def test_names_are_unique_whatever_the_case(adam, care, mailbox):
    with pytest.raises(DomainError) as refused:
        mailboxes.create_mailbox(adam, **settings_for(care, name="CARE INBOX"))
    assert refused.value.field == "name"


def test_an_inactive_team_takes_no_new_mailbox(adam, care):
    update_team(adam, care, is_active=False)
    with pytest.raises(DomainError) as refused:
        mailboxes.create_mailbox(adam, **settings_for(care))
    assert refused.value.field == "team"


@pytest.mark.parametrize(
    "changes",
    [{"folder": "Support"}, {"host": "mail.example.org"}, {"username": "help@example.org"}],
)
def test_pointing_it_elsewhere_restarts_the_bookmark(adam, mailbox, changes):
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=1700000000, last_uid=42)
    mailbox.refresh_from_db()
    saved = mailboxes.update_mailbox(adam, mailbox, **changes)
    assert (saved.uidvalidity, saved.last_uid) == (None, 0)
    entry = AuditEntry.objects.get(action="mail.mailbox_updated")
    assert entry.before["last_uid"] == 42 and entry.after["last_uid"] == 0


@pytest.mark.parametrize(
    "changes", [{"port": 143, "use_ssl": False}, {"name": "Care"}, {"host": "IMAP.example.org"}]
)
def test_other_changes_keep_the_bookmark(adam, mailbox, changes):
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=1700000000, last_uid=42)
    saved = mailboxes.update_mailbox(adam, mailbox, **changes)
    assert (saved.uidvalidity, saved.last_uid) == (1700000000, 42)


def test_an_update_that_changes_nothing_writes_no_entry(adam, mailbox, commit, published):
    with commit():
        mailboxes.update_mailbox(adam, mailbox, name="Care inbox")
    assert not AuditEntry.objects.filter(action="mail.mailbox_updated").exists()
    assert not [name for name, _ in published if name == "mail.mailbox_updated"]


def test_a_changed_mailbox_announces_what_changed(adam, mailbox, commit, published):
    with commit():
        mailboxes.update_mailbox(adam, mailbox, folder="Support")
    assert (
        "mail.mailbox_updated",
        {"mailbox": mailbox.pk, "changed": ["folder"]},
    ) in published


def test_unknown_fields_cannot_be_changed(adam, mailbox):
    with pytest.raises(DomainError):
        mailboxes.update_mailbox(adam, mailbox, last_uid=0)


def test_deactivating_keeps_the_settings_and_bookmark(adam, care, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=7, last_uid=3)
    update_team(adam, care, is_active=False)
    off = mailboxes.deactivate_mailbox(adam, mailbox)  # allowed though its team is inactive
    assert not off.is_active and (off.uidvalidity, off.last_uid) == (7, 3)
    with pytest.raises(DomainError) as refused:
        mailboxes.activate_mailbox(adam, off)
    assert refused.value.field == "team"


def test_deleting_records_the_last_settings(adam, mailbox, commit, published):
    with commit():
        mailboxes.delete_mailbox(adam, mailbox)
    assert not Mailbox.objects.exists()
    entry = AuditEntry.objects.get(action="mail.mailbox_deleted")
    assert entry.before["host"] == "imap.example.org"
    assert ("mail.mailbox_deleted", {"mailbox": mailbox.pk, "name": "Care inbox"}) in published


def test_the_screen_can_tell_whether_the_password_variable_is_set(mailbox, monkeypatch):
    monkeypatch.delenv("CARE_IMAP_PASSWORD", raising=False)
    assert not mailboxes.password_is_set(mailbox)
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "x")
    assert mailboxes.password_is_set(mailbox)


def test_a_closed_port_is_explained_not_raised(adam, care, closed_port, monkeypatch):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "x")
    trial = mailboxes.check_mailbox(
        **settings_for(care, host="127.0.0.1", port=closed_port, use_ssl=False)
    )
    check = mailboxes.test_connection(trial)
    assert not check.ok
    assert check.message == (
        f"Nothing accepts connections at 127.0.0.1:{closed_port} (refused): "
        "check the host and the port."
    )
    assert not Mailbox.objects.exists()  # a trial is never saved


def test_a_missing_password_variable_is_explained(mailbox, monkeypatch):
    monkeypatch.delenv("CARE_IMAP_PASSWORD", raising=False)
    check = mailboxes.test_connection(mailbox)
    assert not check.ok
    assert "CARE_IMAP_PASSWORD" in check.message and "not set" in check.message


def test_a_switched_off_mailbox_is_not_fetched(adam, mailbox):
    off = mailboxes.deactivate_mailbox(adam, mailbox)
    with pytest.raises(mailboxes.Inactive):
        mailboxes.poll_now(adam, off)


# --- the screens -------------------------------------------------------------------------


def _form(team, /, **overrides):
    data = settings_for(team, **{"team": team.pk, **overrides})
    for box in ("use_ssl", "is_active"):  # an unticked checkbox is not sent at all
        if data.pop(box):
            data[box] = "on"
    return data


def test_admin_lists_mailboxes_with_their_state(
    client_as, adam, care, orders, mailbox, monkeypatch, django_assert_max_num_queries
):
    mailboxes.create_mailbox(adam, **settings_for(orders, name="Orders", password_env="ORD_PW"))
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_error="OSError: [Errno 111] Connection refused", uidvalidity=99, last_uid=12
    )
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "x")
    monkeypatch.delenv("ORD_PW", raising=False)
    client = client_as(adam)
    client.get("/desk/mailboxes/")  # warm up the session and nav
    with django_assert_max_num_queries(8):
        response = client.get("/desk/mailboxes/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Care inbox" in page and "Orders" in page
    assert "Connection refused" in page
    assert "UID 12" in page and "UIDVALIDITY 99" in page
    assert page.count("not set") == 1  # ORD_PW; CARE_IMAP_PASSWORD is set
    assert 'href="/desk/mailboxes/"' in page  # the admin nav entry


def test_admin_adds_a_mailbox_through_the_form(client_as, adam, care):
    client = client_as(adam)
    assert client.get("/desk/mailboxes/new/").status_code == 200
    response = client.post("/desk/mailboxes/new/", _form(care))
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert (mailbox.host, mailbox.team, mailbox.password_env) == (
        "imap.example.org",
        care,
        "CARE_IMAP_PASSWORD",
    )
    assert AuditEntry.objects.filter(action="mail.mailbox_created", actor=adam).exists()


def test_the_form_shows_what_to_fix(client_as, adam, care):
    response = client_as(adam).post("/desk/mailboxes/new/", _form(care, port=70000))
    assert response.status_code == 400
    assert "The port is a number from 1 to 65535" in response.content.decode()
    assert not Mailbox.objects.exists()


def test_settings_can_be_tried_before_saving(client_as, adam, care, closed_port, monkeypatch):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "x")
    data = _form(care, host="127.0.0.1", port=closed_port, use_ssl=False)
    response = client_as(adam).post("/desk/mailboxes/new/", {**data, "test": "1"})
    assert response.status_code == 200
    assert "Nothing accepts connections" in response.content.decode()
    assert not Mailbox.objects.exists()


def test_admin_edits_a_mailbox_and_hears_about_the_bookmark(client_as, adam, care, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=5, last_uid=9)
    client = client_as(adam)
    assert "Care inbox" in client.get(f"/desk/mailboxes/{mailbox.pk}/").content.decode()
    response = client.post(
        f"/desk/mailboxes/{mailbox.pk}/", _form(care, folder="Support"), follow=True
    )
    assert "reads the folder from the start" in response.content.decode()
    mailbox.refresh_from_db()
    assert (mailbox.folder, mailbox.last_uid, mailbox.uidvalidity) == ("Support", 0, None)


def test_test_connection_button_reports_a_closed_port(
    client_as, adam, care, closed_port, monkeypatch
):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "x")
    mailbox = mailboxes.create_mailbox(
        adam, **settings_for(care, host="127.0.0.1", port=closed_port, use_ssl=False)
    )
    response = client_as(adam).post(f"/desk/mailboxes/{mailbox.pk}/test/", follow=True)
    assert response.status_code == 200
    assert "Nothing accepts connections" in response.content.decode()


def test_admin_switches_a_mailbox_off_and_on(client_as, adam, mailbox):
    client = client_as(adam)
    client.post(f"/desk/mailboxes/{mailbox.pk}/active/", {"active": "0"})
    mailbox.refresh_from_db()
    assert not mailbox.is_active
    response = client.post(f"/desk/mailboxes/{mailbox.pk}/fetch/", follow=True)
    assert "switched off" in response.content.decode()
    client.post(f"/desk/mailboxes/{mailbox.pk}/active/", {"active": "1"})
    mailbox.refresh_from_db()
    assert mailbox.is_active


def test_admin_deletes_a_mailbox(client_as, adam, mailbox):
    response = client_as(adam).post(f"/desk/mailboxes/{mailbox.pk}/delete/", follow=True)
    assert "deleted" in response.content.decode()
    assert not Mailbox.objects.exists()


def test_agents_and_managers_cannot_open_the_mailbox_screens(client_as, alice, maria, mailbox):
    for person in (alice, maria):
        client = client_as(person)
        assert client.get("/desk/mailboxes/").status_code == 403
        assert client.get(f"/desk/mailboxes/{mailbox.pk}/").status_code == 403
        assert client.post(f"/desk/mailboxes/{mailbox.pk}/test/").status_code == 403
        assert client.post(f"/desk/mailboxes/{mailbox.pk}/fetch/").status_code == 403
        assert client.post(f"/desk/mailboxes/{mailbox.pk}/delete/").status_code == 403
    assert Mailbox.objects.exists()


# --- the API -----------------------------------------------------------------------------


def _json(team, /, **overrides):
    overrides.setdefault("team", team.pk)
    return settings_for(team, **overrides)


def test_api_crud(client_as, adam, care, orders, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "x")
    client = client_as(adam)
    created = client.post(API, _json(care), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["password_set"] is True and body["team_name"] == "Care"
    assert "password" not in body  # only the variable's name, and whether it is set
    url = f"{API}{body['id']}/"
    with django_assert_max_num_queries(4):
        listed = client.get(API)
    assert [m["name"] for m in listed.json()["results"]] == ["Care inbox"]
    assert client.get(url).json()["host"] == "imap.example.org"
    put = client.put(url, _json(orders, name="Orders inbox"), content_type="application/json")
    assert put.status_code == 200 and put.json()["team"] == orders.pk
    patched = client.patch(url, {"folder": "Support"}, content_type="application/json")
    assert patched.status_code == 200
    assert patched.json()["folder"] == "Support" and patched.json()["name"] == "Orders inbox"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    actions = list(
        AuditEntry.objects.filter(action__startswith="mail.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "mail.mailbox_created",
        "mail.mailbox_updated",
        "mail.mailbox_updated",
        "mail.mailbox_deleted",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"port": 0}, "port"),
        ({"port": "abc"}, "port"),
        ({"host": ""}, "host"),
        ({"password_env": "not a name"}, "password_env"),
        ({"name": ""}, "name"),
        ({"team": 999_999}, "team"),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(client_as, adam, care, changes, field):
    response = client_as(adam).post(API, _json(care, **changes), content_type="application/json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Mailbox.objects.exists()


def test_api_duplicate_name_and_bad_patch_are_400(client_as, adam, care, mailbox):
    client = client_as(adam)
    duplicate = client.post(API, _json(care), content_type="application/json")
    assert duplicate.status_code == 400
    assert duplicate.json() == {"name": ["A mailbox with this name exists."], "code": "duplicate"}
    patch = client.patch(
        f"{API}{mailbox.pk}/", {"move_to": "INBOX"}, content_type="application/json"
    )
    assert patch.status_code == 400 and "move_to" in patch.json()


def test_api_is_for_admins_only(client, client_as, alice, adam, care, mailbox):
    assert client.get(API).status_code == 401
    agent = client_as(alice)
    assert agent.get(API).status_code == 403
    assert (
        agent.post(API, _json(care, name="x"), content_type="application/json").status_code == 403
    )
    assert agent.post(f"{API}{mailbox.pk}/test/").status_code == 403
    assert agent.post(f"{API}{mailbox.pk}/fetch/").status_code == 403
    assert agent.delete(f"{API}{mailbox.pk}/").status_code == 403
    assert Mailbox.objects.count() == 1


def test_api_test_explains_a_closed_port(client_as, adam, care, closed_port, monkeypatch):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "x")
    mailbox = mailboxes.create_mailbox(
        adam, **settings_for(care, host="127.0.0.1", port=closed_port, use_ssl=False)
    )
    response = client_as(adam).post(f"{API}{mailbox.pk}/test/")
    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert "Nothing accepts connections" in response.json()["message"]


def test_api_fetch_of_a_switched_off_mailbox_is_a_409(client_as, adam, mailbox):
    mailboxes.deactivate_mailbox(adam, mailbox)
    response = client_as(adam).post(f"{API}{mailbox.pk}/fetch/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_the_schema_documents_the_mailbox_api(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in (API, API + "{id}/", API + "{id}/test/", API + "{id}/fetch/"):
        assert path in paths, path


# --- against a real IMAP server ----------------------------------------------------------


@pytest.fixture
def folder(dovecot, request):
    name = f"M{abs(hash(request.node.name)) % 10**8}"
    conn = dovecot.client(USER)
    conn.create(name)
    conn.logout()
    return name


def test_a_mailbox_made_through_the_api_fetches_real_mail(
    dovecot, folder, client_as, adam, care, monkeypatch
):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", PASSWORD)
    client = client_as(adam)
    settings = _json(
        care, host=dovecot.host, port=dovecot.port, use_ssl=False, username=USER, folder=folder
    )
    created = client.post(API, settings, content_type="application/json")
    assert created.status_code == 201, created.content
    url = f"{API}{created.json()['id']}/"
    dovecot.deliver(USER, samples.plain(message_id="<api-fetch@example.com>"), folder)

    check = client.post(url + "test/").json()
    assert check["ok"] is True, check
    assert f"the folder {folder} holds 1 message." in check["message"]

    fetched = client.post(url + "fetch/").json()
    assert fetched["fetched"] == 1 and fetched["states"] == {"new": 1}, fetched
    assert fetched["summary"] == "1 fetched (1 new)."
    message = Message.objects.get()
    assert message.conversation.team == care
    assert all("\\Seen" in f for f in dovecot.flags(USER, folder).values())
    assert client.get(url).json()["last_uid"] == 1
    assert AuditEntry.objects.filter(action="mail.mailbox_fetched").count() == 1


def test_fetch_now_button_files_the_mail(dovecot, folder, client_as, adam, care, monkeypatch):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", PASSWORD)
    mailbox = mailboxes.create_mailbox(
        adam,
        **settings_for(
            care, host=dovecot.host, port=dovecot.port, use_ssl=False, username=USER, folder=folder
        ),
    )
    dovecot.deliver(USER, samples.plain(message_id="<ui-fetch@example.com>"), folder)
    response = client_as(adam).post(f"/desk/mailboxes/{mailbox.pk}/fetch/", follow=True)
    assert "Care inbox: 1 fetched (1 new)." in response.content.decode()
    assert Message.objects.count() == 1


def test_a_wrong_password_or_folder_is_explained(dovecot, folder, adam, care, monkeypatch):
    monkeypatch.setenv("CARE_IMAP_PASSWORD", "wrong")
    trial = mailboxes.check_mailbox(
        **settings_for(
            care, host=dovecot.host, port=dovecot.port, use_ssl=False, username=USER, folder=folder
        )
    )
    check = mailboxes.test_connection(trial)
    assert not check.ok
    assert f"The server refused the login of {USER!r}" in check.message
    assert "CARE_IMAP_PASSWORD" in check.message

    monkeypatch.setenv("CARE_IMAP_PASSWORD", PASSWORD)
    trial.folder = "No-such-folder"
    check = mailboxes.test_connection(trial)
    assert not check.ok
    assert "'No-such-folder' cannot be opened" in check.message
    trial.folder, trial.move_to = folder, "Done-missing"
    check = mailboxes.test_connection(trial)
    assert not check.ok and "'Done-missing' to move processed mail to" in check.message
