"""The spend-and-outcomes report against a hand-built set of grants and ratings, its
drill-down, and what it costs as grants pile up."""

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servewell.core import events
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.experience.models import Survey, SurveyKind, SurveyResponse
from servewell.experience.surveys import SURVEY_RESPONDED
from servewell.goodwill import decisions, grants, outcomes, reports
from servewell.goodwill.models import Grant, Status
from servewell.goodwill.tests.factories import NOW, limit, make_action
from servewell.people.models import Role
from servewell.people.tests.factories import make_person

pytestmark = pytest.mark.django_db

FEBRUARY = dt.datetime(2026, 2, 10, 10, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=20)


@pytest.fixture
def refund(care):
    action = make_action()
    limit(action)  # 50 an action, 200 a month, 80 a customer in 30 days
    return action


def give(user, conversation, action, amount, now=NOW):
    return grants.grant_goodwill(
        user, conversation, action=action, amount=amount, reason="Parcel lost", now=now
    )


def rate(conversation, score, *, capture, at=NOW):
    """A customer's CSAT answer, announced as the experience app announces it."""
    survey = Survey.objects.create(
        kind=SurveyKind.CSAT,
        state=Survey.State.SENT,
        conversation=conversation,
        contact_id=conversation.contact_id,
        team_id=conversation.team_id,
        solved_at=at,
        created_at=at,
        due_at=at,
        sent_at=at,
    )
    SurveyResponse.objects.create(
        survey=survey,
        kind=SurveyKind.CSAT,
        score=score,
        conversation=conversation,
        team_id=conversation.team_id,
        month=at.date().replace(day=1),
        responded_at=at,
        updated_at=at,
    )
    with capture(execute=True):
        events.publish(
            SURVEY_RESPONDED,
            {"survey": survey.pk, "kind": "csat", "score": score, "conversation": conversation.pk},
        )


@pytest.fixture
def book(care, alice, lena, refund, django_capture_on_commit_callbacks):
    """Alice grants three times on the spot (one in February), Ben asks three times
    above his per-action limit: approved, declined, still open."""
    ben = make_person("ben", [Role.AGENT], team=care)
    c = {n: make_conversation(care, contact=make_contact(f"Customer {n}")) for n in range(1, 7)}
    give(alice, c[1], refund, "10", now=FEBRUARY)
    give(alice, c[1], refund, "20")
    give(alice, c[2], refund, "30")
    approved = give(ben, c[3], refund, "60")
    decisions.decide(lena, approved, decision="approve", now=NOW)
    declined = give(ben, c[4], refund, "70")
    decisions.decide(lena, declined, decision="decline", reason="Too much", now=NOW)
    give(ben, c[5], refund, "55")
    cap = django_capture_on_commit_callbacks
    rate(c[1], 5, capture=cap)
    rate(c[2], 2, capture=cap)
    rate(c[3], 4, capture=cap)
    rate(c[4], 1, capture=cap)  # declined: no goodwill took effect, so not counted
    rate(c[6], 3, capture=cap)  # no goodwill on it at all
    # Customer 2 comes back within 90 days.
    outcomes.mark_came_back(make_conversation(care, contact=c[2].contact, now=LATER))
    return {"ben": ben, "c": c}


def by_label(rows):
    return {r.label: r for r in rows}


def test_the_report_adds_up_to_the_hand_built_grants_and_ratings(maria, alice, book):
    report = reports.spend_report(maria, now=LATER, months=2)

    people = by_label(report.tables["person"])
    a, b = people["Alice"], people[str(book["ben"])]
    assert (a.spend, a.grants, a.requests, a.without_approval) == (Decimal(60), 3, 0, 3)
    assert (a.share_without_approval, a.share_came_back) == (100.0, 33.3)
    assert a.csat == 4.0  # 5 and 5 on customer 1, 2 on customer 2
    assert a.budget == Decimal(400)  # 200 a month, in the two months she granted in
    assert (b.spend, b.grants, b.requests, b.without_approval) == (Decimal(60), 1, 3, 0)
    assert (b.share_without_approval, b.csat, b.budget) == (0.0, 4.0, Decimal(200))

    (team,) = report.tables["team"]
    assert (team.label, team.spend, team.grants, team.requests) == ("Care", Decimal(120), 4, 3)
    assert (team.share_without_approval, team.csat, team.share_came_back) == (75.0, 4.0, 25.0)

    months = {r.label: r.spend for r in report.tables["month"]}
    assert months == {"2026-02": Decimal(10), "2026-03": Decimal(110)}
    assert report.open_requests == 1


def test_a_rating_reaches_goodwill_granted_before_or_after_it(
    alice, care, refund, django_capture_on_commit_callbacks
):
    early = make_conversation(care, contact=make_contact("Early"))
    before = give(alice, early, refund, "5")
    rate(early, 2, capture=django_capture_on_commit_callbacks)
    late = make_conversation(care, contact=make_contact("Late"))
    rate(late, 4, capture=django_capture_on_commit_callbacks)
    after = give(alice, late, refund, "5")
    before.refresh_from_db()
    assert (before.csat, after.csat) == (2, 4)
    rate(early, 5, capture=django_capture_on_commit_callbacks, at=NOW + dt.timedelta(days=2))
    before.refresh_from_db()
    assert before.csat == 5, "the latest solve's rating counts"


def test_each_bar_links_to_the_grants_it_counts(client_as, maria, alice, book):
    page = client_as(maria).get("/goodwill/reports/?months=24").content.decode()
    assert "/goodwill/reports/grants/?" in page
    report = reports.spend_report(maria, now=LATER, months=24)
    alice_row = by_label(report.tables["person"])["Alice"]
    query = alice_row.filters | {"months": 24}
    listed = client_as(maria).get("/goodwill/reports/grants/", query)
    assert listed.status_code == 200
    shown = [g.pk for g in listed.context["page"]]
    expected = Grant.objects.filter(requested_by=alice, status__in=[Status.GRANTED])
    assert sorted(shown) == sorted(expected.values_list("pk", flat=True))
    assert len(shown) == alice_row.grants
    february = client_as(maria).get("/goodwill/reports/grants/", {"months": 24, "month": "2026-02"})
    assert [g.amount for g in february.context["page"]] == [Decimal("10.00")]


def test_a_bar_link_on_the_page_opens_its_list(client_as, maria, book):
    page = client_as(maria).get("/goodwill/reports/?months=24").content.decode()
    start = page.index('href="/goodwill/reports/grants/?') + len('href="')
    url = page[start : page.index('"', start)].replace("&amp;", "&")
    assert parse_qs(urlparse(url).query)["currency"] == ["EUR"]
    assert client_as(maria).get(url).status_code == 200


def test_bad_drill_down_filters_widen_the_list_and_never_fail(client_as, maria, book):
    response = client_as(maria).get(
        "/goodwill/reports/grants/",
        {"months": "x", "person": "abc", "month": "2026-13", "currency": "€€", "action": "-1"},
    )
    assert response.status_code == 200


def test_an_agent_may_not_open_the_drill_down(client_as, alice):
    assert client_as(alice).get("/goodwill/reports/grants/").status_code == 403


def test_the_report_costs_the_same_queries_for_ten_or_a_hundred_grants(
    client_as, maria, care, refund
):
    agents = [make_person(f"agent{n}", [Role.AGENT], team=care) for n in range(5)]
    client = client_as(maria)

    def add(count):
        for n in range(count):
            contact = make_contact(f"C{Grant.objects.count()}")
            conversation = make_conversation(care, contact=contact)
            give(agents[n % len(agents)], conversation, refund, "5")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/goodwill/reports/").status_code == 200
        return len(captured)

    add(10)
    few = queries()
    add(90)
    assert queries() == few <= 20


def test_a_grant_takes_a_handful_of_queries_however_many_came_before(
    alice, care, refund, django_assert_max_num_queries
):
    contact = make_contact("Ruth Okafor")
    for _ in range(3):
        give(alice, make_conversation(care, contact=contact), refund, "1")
    conversation = make_conversation(care, contact=contact)
    # one locking read, the limits, one sum for both windows, the grant, the audit entry
    # (and the savepoint around them)
    with django_assert_max_num_queries(7):
        give(alice, conversation, refund, "1")
