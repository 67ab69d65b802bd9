"""Service accounts: integrations (a phone system, a mail gateway) with an API token and
nothing else — they feed events in and cannot read conversations or people."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from servewell.desk.models import Conversation
from servewell.mail.tests import samples
from servewell.people.models import Role
from servewell.people.tests.factories import make_person
from servewell.people.tokens import create_token


@pytest.fixture
def gateway(db):
    account = make_person("gateway", [Role.SERVICE])
    _token, raw = create_token(account, name="integration")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_service_account_feeds_calls_and_mail_in(gateway, care):
    event = {"event": "joined", "call_id": "c-1", "team": care.slug, "caller": "+4930123"}
    assert gateway.post("/api/queue/events/", event, format="json").status_code == 201
    raw = samples.plain(message_id="<svc1@example.com>")
    response = gateway.generic("POST", "/api/mail/inbound/", raw, "message/rfc822")
    assert response.status_code == 202, response.content  # accepted and filed
    assert Conversation.objects.filter(team=care).exists()


@pytest.mark.parametrize(
    "path", ["/api/conversations/", "/api/people/", "/api/contacts/", "/api/audit/"]
)
def test_a_service_account_reads_nothing(gateway, care, path):
    assert gateway.get(path).status_code == 403


def test_a_service_account_has_no_screens(client, care):
    client.force_login(make_person("pbx", [Role.SERVICE]))
    for path in ("/desk/", "/people/", "/queue/wallboard/"):
        assert client.get(path).status_code == 403, path


def test_service_accounts_are_not_offered_or_counted_as_people(client_as, lena, alice, care):
    from servewell.livequeue.queries import presence_board
    from servewell.people import queries
    from servewell.people.access import people_only, visible_colleagues
    from servewell.people.models import Membership

    bot = make_person("pbx-bridge", [Role.SERVICE])
    Membership.objects.create(team=care, user=bot)
    assert bot not in people_only() and bot not in visible_colleagues(lena)
    assert bot not in presence_board(lena)
    summary = queries.home_summary(lena)
    assert summary["people_count"] == visible_colleagues(lena).count()
    team = queries.list_teams(lena).get(pk=care.pk)
    assert team.member_count == Membership.objects.filter(team=care).count() - 1
    page = client_as(lena).get(f"/teams/{care.pk}/").content.decode()
    assert "pbx-bridge" not in page.split('name="user"', 1)[-1].split("</select>", 1)[0]
