"""The inbox's commitment views, "Due soon" and "Breached", through the desk's front doors.

Clocks are started by ``sla.start_clocks`` on an always-open calendar (first response in
60 minutes, resolution in 600); where a test needs a clock in a given state, it is set on
the row, as the sweep or a pause would leave it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servewell.commitments import inbox, sla
from servewell.commitments.models import ClockState, SlaClock
from servewell.commitments.tests.helpers import normal_policy, set_hours
from servewell.contacts.contacts import contact_for_email
from servewell.core.contract import ContractError
from servewell.desk import conversations, queries
from servewell.desk.models import Conversation, Status
from servewell.desk.queries import InboxFilters
from servewell.people.models import Role
from servewell.people.tests.factories import make_person

HTMX = {"HTTP_HX_REQUEST": "true"}
FIRST, RESOLUTION = "first_response", "resolution"


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def policies(care, orders):
    return normal_policy(set_hours(care)), normal_policy(set_hours(orders))


@pytest.fixture
def make(policies, now):
    """``make(team, first=minutes, resolution=minutes, ...)``: an open conversation whose
    clocks are due that many minutes from ``now`` (negative: overdue)."""
    emails = iter(range(10_000))

    def build(team, *, first=None, resolution=None, status=Status.OPEN, subject="Help", **kw):
        conv, _ = conversations.open_conversation(
            team=team,
            contact=contact_for_email(f"carol{next(emails)}@example.net", "Carol Customer"),
            subject=subject,
            channel=kw.pop("channel", "email"),
            now=now - dt.timedelta(minutes=5),
            body_text="Hello",
            **kw,
        )
        sla.start_clocks(conv, now=now)
        for kind, minutes in ((FIRST, first), (RESOLUTION, resolution)):
            if minutes is not None:
                due(conv, kind, minutes, now=now)
        if status != Status.OPEN:
            Conversation.objects.filter(pk=conv.pk).update(status=status)
        return conv

    return build


def due(conv, kind, minutes, *, now, **fields):
    SlaClock.objects.filter(conversation=conv, kind=kind).update(
        due_at=now + dt.timedelta(minutes=minutes),
        warn_at=now + dt.timedelta(minutes=minutes - 15),
        **fields,
    )


def ids(user, view, *, now, size=50, **filters):
    page = queries.inbox_page(user, InboxFilters(view=view, **filters), size=size, now=now)
    return [c.pk for c in page.rows]


def walk(user, view, size, *, now, **filters):
    seen, cursor, pages = [], None, 0
    while True:
        page = queries.inbox_page(
            user, InboxFilters(view=view, **filters), cursor=cursor, size=size, now=now
        )
        seen += [c.pk for c in page.rows]
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor


#: The two shapes of a page: the team's clocks walked in order, or my conversations first.
SHAPES = pytest.mark.parametrize("filters", [{}, {"assignee": "me"}], ids=["team", "mine"])


# --- Due soon ----------------------------------------------------------------------------


def test_due_soon_lists_running_targets_earliest_due_first(make, alice, care, now):
    later = make(care, first=50)
    soonest = make(care, first=10)
    middle = make(care, first=30)
    # First response missed, resolution still running: at its missed target, first.
    late_but_running = make(care, first=-20, resolution=400)
    make(care, first=20, status=Status.SOLVED)
    paused = make(care, first=5)
    SlaClock.objects.filter(conversation=paused).update(state=ClockState.PAUSED)
    assert ids(alice, "due_soon", now=now) == [
        late_but_running.pk,
        soonest.pk,
        middle.pk,
        later.pk,
    ]


def test_due_soon_rows_read_strictly_by_the_due_time_they_show(make, alice, care, now, client_as):
    """It ranked a conversation by a target still ahead while its Due column showed the
    missed one: "Thu 12:30, overdue, overdue, Thu 17:00"."""
    make(care, first=30)
    swept = make(care, first=-50, resolution=600)
    SlaClock.objects.filter(conversation=swept, kind=FIRST).update(breached_at=now)
    make(care, first=-10, resolution=120)  # missed, not swept yet
    make(care, first=300)
    page = queries.inbox_page(alice, InboxFilters(view="due_soon"), size=50, now=now)
    shown = sla.annotate_due(page.rows, now)
    due_times = [shown[c.pk].due_at for c in page.rows]
    assert len(due_times) == 4 and due_times == sorted(due_times)
    overdue = [shown[c.pk].due_at <= now for c in page.rows]
    assert overdue == [True, True, False, False]


def test_due_soon_follows_every_running_target(make, alice, care, now):
    answered = make(care, first=10, resolution=300)
    SlaClock.objects.filter(conversation=answered, kind=FIRST).update(
        state=ClockState.MET, met_at=now
    )
    waiting = make(care, first=200)
    # A met first response leaves the resolution target: the conversation is due at 300.
    assert ids(alice, "due_soon", now=now) == [waiting.pk, answered.pk]
    # The customer wrote again: the next answer they wait for comes first.
    clock = SlaClock.objects.get(conversation=answered, kind=RESOLUTION)
    clock.pk, clock.kind = None, "next_response"
    clock.due_at = now + dt.timedelta(minutes=100)
    clock.save()
    assert ids(alice, "due_soon", now=now) == [answered.pk, waiting.pk]


@SHAPES
def test_a_conversation_with_two_running_clocks_appears_once_at_its_earliest(
    make, alice, care, now, filters
):
    both = make(care, first=40, resolution=40)  # the same instant: the lower clock id wins
    other = make(care, first=20, resolution=60)
    Conversation.objects.update(assignee=alice)
    assert SlaClock.objects.filter(conversation=both, state=ClockState.RUNNING).count() == 2
    assert ids(alice, "due_soon", now=now, **filters) == [other.pk, both.pk]
    due(both, FIRST, -30, now=now)
    due(both, RESOLUTION, -50, now=now)
    due(other, FIRST, -40, now=now)
    assert ids(alice, "breached", now=now, **filters) == [both.pk, other.pk]


# --- Breached ----------------------------------------------------------------------------


def test_breached_lists_missed_unmet_targets_most_overdue_first(make, alice, care, now):
    swept = make(care, first=-30)
    SlaClock.objects.filter(conversation=swept, kind=FIRST).update(breached_at=now)
    not_swept_yet = make(care, first=-90)
    paused_late = make(care, first=-60, status=Status.PENDING)
    SlaClock.objects.filter(conversation=paused_late, kind=FIRST).update(
        state=ClockState.PAUSED, breached_at=now, remaining_seconds=-3600
    )
    # Paused in time: its stored due instant passed, but it has 20 minutes left.
    paused_in_time = make(care, first=-45, status=Status.ON_HOLD)
    SlaClock.objects.filter(conversation=paused_in_time).update(
        state=ClockState.PAUSED, remaining_seconds=1200
    )
    met_late = make(care, first=-120)
    SlaClock.objects.filter(conversation=met_late, kind=FIRST).update(
        state=ClockState.MET, breached_at=now, met_at=now
    )
    make(care, first=15)
    closed = make(care, first=-200, status=Status.CLOSED)
    assert closed.pk not in ids(alice, "breached", now=now)
    assert ids(alice, "breached", now=now) == [not_swept_yet.pk, paused_late.pk, swept.pk]


def test_a_target_that_just_passed_moves_from_due_soon_to_breached(make, alice, care, now):
    conv = make(care, first=1)
    assert ids(alice, "due_soon", now=now) == [conv.pk]
    assert ids(alice, "breached", now=now) == []
    later = now + dt.timedelta(minutes=2)
    assert ids(alice, "breached", now=later) == [conv.pk]
    assert ids(alice, "due_soon", now=later) == [conv.pk]  # still running, now overdue


# --- Scope and filters -------------------------------------------------------------------


def test_bob_in_orders_does_not_see_cares_breached_conversations(
    make, alice, bob, maria, care, orders, now
):
    cares = make(care, first=-30)
    orders_own = make(orders, first=-10)
    assert ids(bob, "breached", now=now) == [orders_own.pk]
    assert ids(bob, "due_soon", now=now) == [orders_own.pk]  # running, overdue
    assert ids(bob, "breached", now=now, team=care.pk) == []
    assert ids(alice, "breached", now=now) == [cares.pk]
    assert ids(maria, "breached", now=now) == [cares.pk, orders_own.pk]


def test_scope_follows_the_conversations_team_not_the_clocks(make, bob, care, orders, now):
    moved = make(care, first=-30)
    Conversation.objects.filter(pk=moved.pk).update(team=orders)  # clock keeps Care
    assert ids(bob, "breached", now=now) == [moved.pk]


def test_a_person_in_two_teams_gets_both_in_one_order(make, care, orders, now):
    ann = make_person("ann", [Role.AGENT], team=care)
    orders.memberships.create(user=ann)
    a = make(care, first=-30)
    b = make(orders, first=-20)
    c = make(care, first=-10)
    assert ids(ann, "breached", now=now) == [a.pk, b.pk, c.pk]


def test_the_inbox_filters_still_apply(make, alice, lena, care, now):
    mine = make(care, first=-30)
    conversations.take(alice, mine)
    tagged = make(care, first=-20, tags=["vip"])
    by_phone = make(care, first=-10, channel="phone")
    pending = make(care, first=-5, status=Status.PENDING)
    SlaClock.objects.filter(conversation=pending, kind=FIRST).update(breached_at=now)
    assert ids(alice, "breached", now=now, assignee="me") == [mine.pk]
    assert ids(alice, "breached", now=now, assignee=str(lena.pk)) == []
    assert ids(alice, "breached", now=now, tag="vip") == [tagged.pk]
    assert ids(alice, "breached", now=now, channel="phone") == [by_phone.pk]
    assert ids(alice, "breached", now=now, status="pending") == [pending.pk]
    assert ids(alice, "breached", now=now, team=care.pk, assignee="none") == [
        tagged.pk,
        by_phone.pk,
        pending.pk,
    ]


# --- Pages -------------------------------------------------------------------------------


@SHAPES
@pytest.mark.parametrize("size", [1, 3, 7])
def test_walking_every_page_yields_each_conversation_once_in_order(
    make, alice, care, now, size, filters
):
    # Ties on purpose: every two conversations share a due instant.
    made = [make(care, first=-(100 - i // 2), resolution=-(50 - i // 2)) for i in range(12)]
    Conversation.objects.update(assignee=alice)
    seen, pages = walk(alice, "breached", size, now=now, **filters)
    first_clocks = {
        c.conversation_id: (c.due_at, c.pk) for c in SlaClock.objects.filter(kind=FIRST)
    }
    expected = sorted((c.pk for c in made), key=lambda pk: first_clocks[pk])
    assert seen == expected
    assert pages == -(-12 // size), "no empty last page"
    seen, _ = walk(alice, "due_soon", size, now=now - dt.timedelta(days=1), **filters)
    assert seen == expected


def test_a_forged_cursor_is_refused(alice):
    from servewell.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        queries.inbox_page(alice, InboxFilters(view="breached"), cursor="bm90IGEgY3Vyc29y")
    assert caught.value.field == "cursor"


def test_queries_per_page_do_not_grow_with_its_size(make, alice, care, now):
    for n in range(30):
        make(care, first=n - 15, tags=["a", "b"])
    queries.inbox_page(alice, InboxFilters(view="open"))  # her teams, read once per request
    for view in ("due_soon", "breached"):
        with CaptureQueriesContext(connection) as small:
            queries.inbox_page(alice, InboxFilters(view=view), size=5, now=now)
        with CaptureQueriesContext(connection) as large:
            page = queries.inbox_page(alice, InboxFilters(view=view), size=25, now=now)
        assert len(page.rows) > 5
        assert len(large) == len(small) <= 4, [q["sql"] for q in large]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plan")
@pytest.mark.parametrize(
    ("target", "index"), [(inbox.due_soon, "sla_unmet_due"), (inbox.breached, "sla_unmet_due")]
)
def test_a_page_is_an_index_range_of_clocks_not_a_sort(alice, care, orders, now, target, index):
    """Walk the unmet clocks in due order and stop at the page's end: no temporary
    b-tree (a sort of every late clock), each conversation reached by its key."""
    filters = InboxFilters(view="breached", assignee="none", status="open", channel="email")
    request = queries.ViewRequest(alice, filters, [care.pk, orders.pk], (now, 10**6), 26, now)
    plan = _plan(request, target)
    assert "TEMP B-TREE" not in plan, plan
    assert f"USING INDEX {index} (due_at" in plan, plan
    assert "SCAN" not in plan and "INTEGER PRIMARY KEY" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plan")
@pytest.mark.parametrize("target", [inbox.due_soon, inbox.breached])
@pytest.mark.parametrize("narrow", [{"assignee": "me"}, {"tag": "vip"}])
def test_a_persons_or_a_tags_page_starts_from_their_conversations(alice, care, now, target, narrow):
    """Walking every late clock for the few that are mine would read them all."""
    request = queries.ViewRequest(
        alice, InboxFilters(view="breached", **narrow), [care.pk], None, 26, now
    )
    plan = _plan(request, target)
    first = plan.split(" | ")[0]
    assert first.startswith("SEARCH desk_") and "=?" in first, plan
    assert "SCAN" not in plan, plan


def _plan(request, target):
    sql, params = _sql(request, target)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


def _sql(request, target):
    captured = []

    def keep(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        inbox._rows(request, target(request.now))
    return captured[-1]


# --- Front doors -------------------------------------------------------------------------


def test_the_inbox_shows_both_tabs_and_the_due_column(client_as, make, alice, care):
    late = make(care, first=-30, subject="Kettle lid")
    make(care, first=30, subject="Toaster crumbs")
    client = client_as(alice)
    html = client.get("/desk/").content.decode()
    assert 'href="?view=due_soon"' in html and ">Due soon</a>" in html
    assert 'href="?view=breached"' in html and ">Breached</a>" in html
    page = client.get("/desk/?view=breached")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<a href="?view=breached" aria-current="page">Breached</a>' in html
    assert "Kettle lid" in html and "Toaster crumbs" not in html
    assert f'id="row-{late.pk}"' in html and "sla-badge sla-breached" in html
    assert "the most overdue first" in html
    html = client.get("/desk/?view=due_soon").content.decode()
    assert html.index("Kettle lid") < html.index("Toaster crumbs")  # overdue comes first
    assert html.count("sla-badge sla-on_track") + html.count("sla-badge sla-warning") == 1


def test_load_more_continues_the_view(client_as, make, alice, care):
    for n in range(30):
        make(care, first=-60 + n, subject=f"Question {n:02d}")
    client = client_as(alice)
    first = client.get("/desk/?view=breached").content.decode()
    assert first.count('class="conv-link"') == 25 and "More conversations" in first
    cursor = re.search(r"cursor=([\w-]+)", first).group(1)
    more = client.get(f"/desk/?view=breached&cursor={cursor}", **HTMX).content.decode()
    assert more.count('class="conv-link"') == 5 and "<html" not in more
    assert "Question 29" in more and "Question 00" not in more


def test_the_page_query_count_does_not_grow_with_rows(
    client_as, make, alice, care, django_assert_max_num_queries
):
    for n in range(40):
        make(care, first=n - 20, tags=["a", "b"])
    client = client_as(alice)
    client.get("/desk/?view=due_soon")  # warm the session
    for view in ("due_soon", "breached"):
        # As the desk's own views: the page, its rows, session and user, the due times.
        with django_assert_max_num_queries(12):
            client.get(f"/desk/?view={view}&size=25")
        with django_assert_max_num_queries(12):
            client.get(f"/desk/?view={view}&size=100")


def test_a_saved_view_can_be_breached_ones(client_as, make, alice, care):
    tagged = make(care, first=-30, subject="Tagged late", tags=["vip"])
    make(care, first=-20, subject="Plain late")
    make(care, first=30, subject="Tagged in time", tags=["vip"])
    client = client_as(alice)
    response = client.post(
        "/desk/views/save/", {"name": "Late VIPs", "view": "breached", "tag": "vip"}
    )
    saved = alice.saved_views.get()
    assert saved.filters == {"view": "breached", "tag": "vip"}
    html = client.get(response["Location"]).content.decode()
    assert "Tagged late" in html and "Plain late" not in html and "Tagged in time" not in html
    assert tagged.pk


def test_the_api_lists_both_views_and_pages_by_cursor(
    api, make, alice, bob, care, django_assert_max_num_queries
):
    late = [make(care, first=-60 + n) for n in range(5)]
    soon = make(care, first=10)
    client = api(alice)
    with django_assert_max_num_queries(6):
        first = client.get("/api/conversations/?view=breached&page_size=3")
    assert first.status_code == 200
    body = first.json()
    assert [c["id"] for c in body["results"]] == [c.pk for c in late[:3]]
    with django_assert_max_num_queries(6):
        second = client.get(body["next"]).json()
    assert [c["id"] for c in second["results"]] == [c.pk for c in late[3:]]
    assert second["next"] is None
    due_soon = client.get("/api/conversations/?view=due_soon").json()["results"]
    assert [c["id"] for c in due_soon] == [c.pk for c in late] + [soon.pk]
    assert api(bob).get("/api/conversations/?view=breached").json()["results"] == []


def test_the_api_rows_carry_the_due_target_the_inbox_shows(api, make, alice, care, now):
    soon = make(care, first=30, resolution=300)  # warns 15 minutes before
    late = make(care, first=-20)
    client = api(alice)
    rows = {c["id"]: c for c in client.get("/api/conversations/?view=open").json()["results"]}
    assert rows[soon.pk]["due"]["kind"] == FIRST
    assert rows[soon.pk]["due"]["state"] == "on_track"
    due_at = dt.datetime.fromisoformat(rows[soon.pk]["due"]["due_at"])
    assert due_at == now + dt.timedelta(minutes=30)
    assert rows[late.pk]["due"]["state"] == "breached"
    assert rows[late.pk]["due"]["remaining_seconds"] <= 0
    one = client.get(f"/api/conversations/{soon.pk}/").json()
    assert one["due"]["kind"] == FIRST
    SlaClock.objects.filter(conversation=soon).update(state=ClockState.MET, met_at=now)
    assert client.get(f"/api/conversations/{soon.pk}/").json()["due"] is None


def test_the_api_still_refuses_an_unknown_view(api, alice):
    response = api(alice).get("/api/conversations/?view=overdue")
    assert response.status_code == 400
    assert "due_soon" in str(response.json()) and "breached" in str(response.json())


def test_the_api_saved_views_take_them_and_the_schema_lists_them(api, make, alice, care):
    late = make(care, first=-5)
    client = api(alice)
    made = client.post(
        "/api/saved-views/", {"name": "Late", "filters": {"view": "breached"}}, format="json"
    )
    assert made.status_code == 201
    listed = client.get(f"/api/conversations/?saved={made.json()['id']}").json()
    assert [c["id"] for c in listed["results"]] == [late.pk]
    schema = client.get("/api/schema/?format=json").json()
    [view] = [
        p
        for p in schema["paths"]["/api/conversations/"]["get"]["parameters"]
        if p["name"] == "view"
    ]
    assert {"due_soon", "breached"} <= set(view["schema"]["enum"])


def test_the_desks_own_views_cannot_be_replaced():
    spec = queries.ViewSpec(key="mine", label="Mine", rows=lambda request: [])
    with queries.INBOX_VIEWS.added(spec), pytest.raises(ContractError, match="is taken"):
        queries.view_labels()
    assert set(queries.view_labels()) >= {"mine", "open", "due_soon", "breached"}
