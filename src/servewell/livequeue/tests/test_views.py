"""The live-queue screens: wallboard, alarm log, presence board, rules, metrics."""

from __future__ import annotations

from servewell.livequeue import alarm, feed
from servewell.livequeue.models import Alarm, AlarmResponse, AlarmRule
from servewell.people.models import Presence

from .conftest import at


def _alarm_with_responses(care, people):
    AlarmRule.objects.create(team=care, kind="waiting", threshold=1, clear_threshold=0)
    feed.record_event("joined", call_id="c1", team=care, at=at(0), now=at(0))
    raised = Alarm.objects.get()
    for person in people:
        alarm.respond(raised, person, now=at(30))
    feed.record_event("answered", call_id="c1", team=care, at=at(90), now=at(90))
    raised.refresh_from_db()
    return raised


def test_wallboard_shows_each_team_with_its_queue(client_as, care, orders, maria):
    feed.record_event("joined", call_id="c1", team=care, at=at(0))
    page = client_as(maria).get("/queue/wallboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-team="{care.pk}"' in html and f'data-team="{orders.pk}"' in html
    assert "livequeue/alarm.js" in html and "livequeue/wallboard.js" in html
    assert "<script>" not in html  # CSP: no inline script


def test_agent_sees_only_their_teams_on_the_wallboard(client_as, care, orders, alice):
    html = client_as(alice).get("/queue/wallboard/").content.decode()
    assert "Care" in html and "Orders" not in html


def test_alarm_log_shows_who_jumped_in_with_their_role(
    client_as, care, alice, lena, maria, django_assert_max_num_queries
):
    _alarm_with_responses(care, [lena, alice])
    client = client_as(maria)
    with django_assert_max_num_queries(16):
        page = client.get("/queue/alarms/", {"start": "2026-03-01", "end": "2026-03-03"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lena" in html and "Team lead" in html and "Agent" in html
    assert "1:30" in html  # time to clear
    assert page.context["summary"]["leads_jumped_in"] == 1


def test_alarm_detail_and_the_no_javascript_im_on_it(client_as, care, alice):
    AlarmRule.objects.create(team=care, kind="waiting", threshold=1, clear_threshold=0)
    feed.record_event("joined", call_id="c1", team=care, at=at(0))
    raised = Alarm.objects.get()
    client = client_as(alice)
    assert b"I'm on it" in client.get(f"/queue/alarms/{raised.pk}/").content
    response = client.post(f"/queue/alarms/{raised.pk}/respond/")
    assert response.status_code == 302
    assert AlarmResponse.objects.filter(alarm=raised, user=alice, role="agent").exists()


def test_alarm_of_another_team_is_not_found(client_as, care, orders, bob):
    AlarmRule.objects.create(team=care, kind="waiting", threshold=1, clear_threshold=0)
    feed.record_event("joined", call_id="c1", team=care, at=at(0))
    assert client_as(bob).get(f"/queue/alarms/{Alarm.objects.get().pk}/").status_code == 404


def test_presence_board_lists_leads_and_managers_and_sets_ones_own(
    client_as, care, alice, lena, maria, django_assert_max_num_queries
):
    client = client_as(lena)
    with django_assert_max_num_queries(12):
        page = client.get("/queue/presence/")
    html = page.content.decode()
    assert "Alice" in html and "Lena" in html
    response = client.post("/queue/presence/", {"presence": "available"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="presence-rows"' in response.content.decode()
    lena.refresh_from_db()
    assert lena.presence == Presence.AVAILABLE


def test_lead_adds_a_rule_through_the_form(client_as, care, lena):
    client = client_as(lena)
    assert client.get("/queue/rules/").status_code == 200
    response = client.post(
        f"/queue/rules/team/{care.pk}/new/",
        {"kind": "waiting", "threshold": "4", "clear_threshold": "4", "is_active": "on"},
    )
    assert response.status_code == 400  # no hysteresis
    assert "clear below" in response.content.decode()
    response = client.post(
        f"/queue/rules/team/{care.pk}/new/",
        {"kind": "waiting", "threshold": "4", "clear_threshold": "1", "is_active": "on"},
    )
    assert response.status_code == 302
    rule = AlarmRule.objects.get()
    response = client.post(f"/queue/rules/{rule.pk}/", {"delete": "1"})
    assert not AlarmRule.objects.exists()


def test_agents_cannot_open_the_rules(client_as, care, alice):
    assert client_as(alice).get("/queue/rules/").status_code == 403


def test_service_level_settings_form(client_as, care, lena):
    client = client_as(lena)
    response = client.post(
        f"/queue/rules/team/{care.pk}/settings/",
        {
            "service_level_seconds": "30",
            "service_level_target_pct": "90",
            "short_abandon_seconds": "5",
            "short_abandon_rule": "met",
        },
    )
    assert response.status_code == 302
    assert care.queue_settings.service_level_seconds == 30


def test_metrics_page_suggests_staffing(client_as, care, maria):
    for n in range(5):
        feed.record_event("joined", call_id=f"c{n}", team=care, at=at(n))
        feed.record_event("answered", call_id=f"c{n}", team=care, at=at(n + 5))
        feed.record_event("completed", call_id=f"c{n}", team=care, at=at(n + 185))
    page = client_as(maria).get("/queue/metrics/", {"start": "2026-03-02", "end": "2026-03-02"})
    assert page.status_code == 200
    assert "people" in page.content.decode()
    assert page.context["rows"][0]["m"]["offered"] == 5


def test_queue_pages_need_signing_in(client, db):
    for url in ("/queue/wallboard/", "/queue/alarms/", "/queue/presence/", "/queue/stream/"):
        assert client.get(url).status_code == 302
