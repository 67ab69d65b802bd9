"""Commitments through the front doors: screens, API, events from the desk."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from servewell.commitments import aging, sla
from servewell.commitments.models import SlaClock, SlaPolicy, TeamCommitments
from servewell.commitments.tests.helpers import normal_policy, set_hours
from servewell.contacts.contacts import contact_for_email
from servewell.desk.conversations import open_conversation
from servewell.desk.models import Conversation, Status


@pytest.fixture
def always_open(care):
    return set_hours(care)


@pytest.fixture
def policy(always_open):
    return normal_policy(always_open)


def make_conversation(team, *, days_old=0, status="open", email="carol@example.net", hours_old=0):
    now = timezone.now() - dt.timedelta(days=days_old, hours=hours_old)
    conv, _ = open_conversation(
        team=team,
        contact=contact_for_email(email, "Carol Customer"),
        subject=f"Help {days_old}",
        channel="email",
        now=now,
        body_text="Hello",
    )
    Conversation.objects.filter(pk=conv.pk).update(status=status)
    return conv


def test_a_new_email_request_is_acknowledged_with_when_we_will_answer(
    policy, care, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conv = make_conversation(care)
    assert SlaClock.objects.filter(conversation=conv).count() == 2
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert f"[#{conv.pk}]" in mail.subject
    assert "will answer you today by" in mail.body or "will answer you by" in mail.body
    assert "Europe/London time" in mail.body
    assert mail.extra_headers["Auto-Submitted"] == "auto-replied"


def test_no_acknowledgement_when_switched_off_or_to_our_own_address(
    policy, care, mailoutbox, django_capture_on_commit_callbacks
):
    TeamCommitments.objects.create(team=care, ack_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        make_conversation(care)
    assert mailoutbox == []
    TeamCommitments.objects.filter(team=care).update(ack_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_conversation(care, email="care@example.org")  # the team's own address
    assert mailoutbox == []


def test_lead_sets_targets_and_an_escalation_in_the_app(client_as, lena, care, orders):
    client = client_as(lena)
    response = client.post(
        f"/commitments/teams/{care.pk}/",
        {
            "p-priority": "high",
            "p-first_response_minutes": "30",
            "p-warn_fraction": "0.8",
            "p-is_active": "on",
        },
    )
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(team=care, priority="high")
    assert policy.first_response_minutes == 30
    bad = client.post(
        f"/commitments/teams/{care.pk}/", {"p-priority": "high", "p-warn_fraction": "3"}
    )
    assert bad.status_code == 400
    rule = client.post(
        f"/commitments/teams/{care.pk}/",
        {"rule_for": policy.pk, "e-trigger": "breach", "e-action": "reassign", "e-team": orders.pk},
    )
    assert rule.status_code == 302
    assert "Reassign" in client.get("/commitments/").content.decode()
    assert client.get(f"/commitments/teams/{orders.pk}/").status_code == 404


def test_agents_see_targets_but_cannot_change_them(client_as, alice, care):
    client = client_as(alice)
    assert client.get("/commitments/").status_code == 200
    assert client.get(f"/commitments/teams/{care.pk}/").status_code == 403


def test_aging_board_counts_open_conversations_by_age(client_as, lena, care):
    for days, status in [
        (0, "open"),
        (2, "new"),
        (2, "pending"),
        (10, "on_hold"),
        (45, "open"),
        (45, "solved"),
    ]:
        make_conversation(care, days_old=days, status=status)
    [row] = aging.board_for(lena, now=timezone.now())
    assert row.counts == [1, 2, 0, 1, 1]
    assert [c.subject for c in row.oldest][0] == "Help 45"
    page = client_as(lena).get("/commitments/aging/").content.decode()
    assert "over 30 d" in page and "Help 45" in page
    api = client_as(lena).get("/api/commitments/aging/").json()
    assert api[0]["buckets"]["over 30 d"] == 1


def test_daily_digest_goes_to_leads(lena, care, mailoutbox):
    make_conversation(care, days_old=8)
    assert aging.send_digests(now=timezone.now()) == 1
    assert mailoutbox[0].to == ["lena@example.org"]
    assert "7–30 d: 1" in mailoutbox[0].body


def test_accountability_figures_per_team_and_person(client_as, lena, alice, policy, care):
    now = timezone.now()
    for minutes in (10, 20, 90):
        conv = make_conversation(care, hours_old=3)
        sla.start_clocks(conv, now=now)
        sla.responded(conv, at=conv.created_at + dt.timedelta(minutes=minutes), responder=alice)
    rows = client_as(lena).get("/api/commitments/accountability/?by=person").json()
    [row] = rows
    assert row["label"] == "Alice" and row["count"] == 3
    assert row["median_s"] == pytest.approx(1200, abs=60)
    assert row["within_target"] == pytest.approx(2 / 3)
    page = client_as(lena).get("/commitments/accountability/").content.decode()
    assert "Care" in page and "67 %" in page
    assert client_as(lena).get("/api/commitments/accountability/?days=0").status_code == 400
    assert client_as(lena).get("/api/commitments/accountability/?by=planet").status_code == 400


def test_conversation_clocks_and_apology_through_the_api(client_as, alice, bob, policy, care):
    conv = make_conversation(care)
    sla.start_clocks(conv, now=timezone.now() - dt.timedelta(hours=3))
    SlaClock.objects.filter(conversation=conv, kind="first_response").update(
        due_at=timezone.now() - dt.timedelta(minutes=5), breached_at=timezone.now()
    )
    body = client_as(alice).get(f"/api/commitments/conversations/{conv.pk}/clocks/").json()
    states = {c["kind"]: c["state"] for c in body["clocks"]}
    assert states["first_response"] == "breached"
    assert "sorry" in body["apology"]
    assert (
        client_as(bob).get(f"/api/commitments/conversations/{conv.pk}/clocks/").status_code == 404
    )
    panel = client_as(alice).get(f"/commitments/c/{conv.pk}/clocks/").content.decode()
    assert "overdue" in panel


def test_policy_api_validates_and_scopes(client_as, lena, alice, care, orders):
    client = client_as(lena)
    ok = client.post(
        "/api/commitments/policies/",
        {"team": care.pk, "priority": "urgent", "first_response_minutes": 15},
        content_type="application/json",
    )
    assert ok.status_code == 201
    for payload, field in [
        ({"team": care.pk, "priority": "urgent"}, "priority"),
        ({"team": care.pk, "priority": "bogus"}, "priority"),
        (
            {"team": care.pk, "priority": "low", "first_response_minutes": 0},
            "first_response_minutes",
        ),
        ({"team": care.pk, "priority": "low", "warn_fraction": 2}, "warn_fraction"),
        ({"priority": "low"}, "team"),
        # A clock keeps its target in seconds (32 bits): beyond a year it was stored here
        # and failed when a conversation started a clock (a 500 on PostgreSQL).
        ({"team": care.pk, "priority": "low", "resolution_minutes": 10**12}, "resolution_minutes"),
        (
            {"team": care.pk, "priority": "low", "next_response_minutes": 600_000},
            "next_response_minutes",
        ),
    ]:
        response = client.post(
            "/api/commitments/policies/", payload, content_type="application/json"
        )
        assert response.status_code == 400, payload
        assert field in response.json()
    assert (
        client.post(
            "/api/commitments/policies/",
            {"team": orders.pk, "priority": "low"},
            content_type="application/json",
        ).status_code
        == 404
    )
    rule = client.post(
        f"/api/commitments/policies/{ok.json()['id']}/escalations/",
        {"trigger": "breach", "action": "webhook"},
        content_type="application/json",
    )
    assert rule.status_code == 400 and "url" in rule.json()
    assert (
        client_as(alice)
        .post(
            "/api/commitments/policies/",
            {"team": care.pk, "priority": "low"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_public_page_only_when_the_team_opts_in(client, client_as, lena, care):
    assert client.get(f"/status/{care.slug}/").status_code == 404
    response = client_as(lena).put(
        f"/api/commitments/teams/{care.pk}/settings/",
        {"public_page": True},
        content_type="application/json",
    )
    assert response.status_code == 200
    client.logout()
    page = client.get(f"/status/{care.slug}/")
    assert page.status_code == 200 and "how quickly we answer" in page.content.decode()


def test_pending_status_from_the_desk_pauses_through_events(
    policy, care, alice, django_capture_on_commit_callbacks
):
    from servewell.desk import conversations

    with django_capture_on_commit_callbacks(execute=True):
        conv = make_conversation(care, status="new")
    conv.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        conversations.update_conversation(
            alice, conv, expected_version=conv.version, status=Status.PENDING
        )
    assert SlaClock.objects.get(conversation=conv, kind="first_response").state == "paused"


def test_the_composer_is_offered_the_apology_only_after_a_breach(
    client_as, alice, policy, care, django_capture_on_commit_callbacks
):
    conv = make_conversation(care)
    sla.start_clocks(conv, now=timezone.now())
    client = client_as(alice)
    page = client.get(f"/desk/c/{conv.pk}/").content.decode()
    assert 'id="composer"' in page and "Insert the apology" not in page
    assert "apology-prompt" not in page  # written with the page, not fetched after it
    SlaClock.objects.filter(conversation=conv, kind="first_response").update(
        breached_at=timezone.now()
    )
    page = client.get(f"/desk/c/{conv.pk}/").content.decode()
    composer = page[page.index('id="composer"') :]
    assert "Insert the apology" in composer and "sorry" in composer
    # Once the late reply is sent, the composer offers no apology more.
    version = int(re.search(r'name="expected_version" value="(\d+)"', page).group(1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/desk/c/{conv.pk}/messages/",
            {"kind": "reply", "body_text": "Sorry for the wait.", "expected_version": version},
            HTTP_HX_REQUEST="true",
        )
    page = client.get(f"/desk/c/{conv.pk}/").content.decode()
    assert 'id="composer"' in page and "Insert the apology" not in page


def test_the_inbox_shows_when_each_conversation_is_due(
    client_as, alice, policy, care, django_assert_max_num_queries
):
    late, fine = make_conversation(care), make_conversation(care, email="dan@example.net")
    for conv in (late, fine):
        sla.start_clocks(conv, now=timezone.now())
    SlaClock.objects.filter(conversation=late, kind="first_response").update(
        due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client = client_as(alice)
    client.get("/desk/?view=open")  # warm caches
    with django_assert_max_num_queries(16):
        page = client.get("/desk/?view=open").content.decode()
    assert page.count("sla-badge sla-breached") == 1
    assert page.count("sla-badge sla-on_track") == 1


def test_a_policy_target_beyond_a_year_is_refused_on_every_front_door(lena, care):
    from servewell.commitments import policies
    from servewell.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        policies.save_policy(lena, care, {"priority": "low", "first_response_minutes": 10**9})
    assert refused.value.field == "first_response_minutes"
    assert "within a year" in refused.value.message
    assert not SlaPolicy.objects.filter(priority="low").exists()


def test_a_policy_edit_in_the_app_audits_the_old_value_before_and_the_new_after(
    client_as, lena, care
):
    from servewell.core.models import AuditEntry

    policy = SlaPolicy.objects.create(team=care, priority="high", first_response_minutes=60)
    response = client_as(lena).post(
        f"/commitments/teams/{care.pk}/?policy={policy.pk}",
        {
            "p-priority": "high",
            "p-first_response_minutes": "30",
            "p-warn_fraction": "0.75",
            "p-is_active": "on",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="sla_policy.saved").latest("id")
    assert entry.before == {"first_response_minutes": 60}
    assert entry.after == {"first_response_minutes": 30}


def test_a_policy_edit_through_the_api_audits_only_what_changed(api, lena, care):
    from servewell.core.models import AuditEntry

    policy = SlaPolicy.objects.create(team=care, priority="high", resolution_minutes=600)
    response = api(lena).patch(
        f"/api/commitments/policies/{policy.pk}/", {"resolution_minutes": 480}, format="json"
    )
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(action="sla_policy.saved").latest("id")
    assert (entry.before, entry.after) == ({"resolution_minutes": 600}, {"resolution_minutes": 480})
