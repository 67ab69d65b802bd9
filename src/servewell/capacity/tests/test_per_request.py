"""What the requests an agent's open page keeps making cost the database: the presence
poll every 5 s and the SLA clocks every 30 s, per open conversation, per agent."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servewell.core.notifications import notify
from servewell.desk.tests.factories import make_conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def open_page(client):
    """An agent with a conversation open (the page loaded once)."""
    team = make_team("Support")
    agent = make_person("ada", [Role.AGENT], team=team)
    conversation = make_conversation(team)
    client.force_login(agent)
    client.get(f"/desk/c/{conversation.pk}/")
    return client, agent, conversation


def _sql(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def test_a_presence_poll_that_changes_nothing_reads_two_rows_and_writes_nothing(open_page):
    client, _agent, conversation = open_page
    path = f"/desk/c/{conversation.pk}/presence/"
    client.post(path, {"state": "viewing"}, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(path, {"state": "viewing"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    sql = _sql(captured)
    # The user with their roles and teams, the conversation (is my copy stale?); the
    # session comes from the cache.
    assert len(sql) == 2, sql
    assert "ORDER BY" not in sql[1]
    assert not [q for q in sql if q.lstrip().upper().startswith(WRITES)]


def test_polled_fragments_do_not_count_notifications(open_page):
    """The bell is on full pages only; a fragment swapped in every few seconds must not
    count the unread notifications each time."""
    client, agent, conversation = open_page
    notify([agent], "You were mentioned", url="/desk/")
    for path, post in (
        (f"/desk/c/{conversation.pk}/presence/", True),
        (f"/commitments/c/{conversation.pk}/clocks/", False),
    ):
        with CaptureQueriesContext(connection) as captured:
            call = client.post if post else client.get
            response = call(path, {"state": "viewing"} if post else {}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert not [q for q in _sql(captured) if "core_notification" in q], path


def test_a_conversation_page_counts_notifications_once_and_shows_them(open_page):
    client, agent, conversation = open_page
    notify([agent], "You were mentioned", url="/desk/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/desk/c/{conversation.pk}/")
    assert response.status_code == 200
    counts = [q for q in _sql(captured) if "core_notification" in q]
    assert len(counts) == 1, counts
    assert "Notifications: 1 unread" in response.content.decode()
    assert '<a href="/desk/" aria-current="page">Inbox</a>' in response.content.decode()


def test_the_conversation_page_shows_its_panels_with_one_set_of_context(
    open_page, monkeypatch, django_assert_max_num_queries
):
    """The panels of other apps render inside the page's context: their forms carry the
    page's CSRF token, the context processors run once for the page, and the page stays
    within its query budget."""
    from servewell.people import context as people_context

    client, _agent, conversation = open_page
    runs = []
    real = people_context.presence
    monkeypatch.setattr(people_context, "presence", lambda r: runs.append(1) or real(r))
    from django.template import engines

    engine = engines["django"].engine
    monkeypatch.setattr(
        engine,
        "template_context_processors",
        tuple(
            people_context.presence if p is real else p for p in engine.template_context_processors
        ),
    )
    with django_assert_max_num_queries(23):
        response = client.get(f"/desk/c/{conversation.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Commitments"' in html
    assert 'id="goodwill-panel"' in html
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    goodwill = html.split('id="goodwill-panel"')[1]
    assert f'name="csrfmiddlewaretoken" value="{token}"' in goodwill
    assert len(runs) == 1
