"""Keyset pagination of the inbox: complete, stable, scoped and a real index range."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from servewell.core.errors import DomainError
from servewell.desk import queries
from servewell.desk.models import Conversation, Status
from servewell.desk.queries import InboxFilters
from servewell.desk.tests.factories import T0, make_contact
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


def bulk(team, n, *, contact, start=T0, same_time_every=1, **fields):
    """n conversations; every ``same_time_every`` share an updated_at (ties on purpose)."""
    rows = [
        Conversation(
            subject=f"{team.name} {i}",
            channel="email",
            team=team,
            contact=contact,
            created_at=start,
            updated_at=start + dt.timedelta(minutes=i // same_time_every),
            **fields,
        )
        for i in range(n)
    ]
    return Conversation.objects.bulk_create(rows)


def walk(user, filters, size):
    seen, cursor, pages = [], None, 0
    while True:
        page = queries.inbox_page(user, filters, cursor=cursor, size=size)
        seen += [c.pk for c in page.rows]
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("size", [1, 7, 25])
def test_walking_every_page_yields_each_conversation_once_newest_first(maria, care, size):
    rows = bulk(care, 60, contact=make_contact(), same_time_every=4)
    seen, pages = walk(maria, InboxFilters(view="all"), size)
    expected = [c.pk for c in sorted(rows, key=lambda c: (c.updated_at, c.pk), reverse=True)]
    assert seen == expected
    assert pages == -(-60 // size), "no empty last page"


def test_a_person_in_two_teams_gets_both_merged_in_order(care, orders):
    ann = make_person("ann", [Role.AGENT], team=care)
    orders.memberships.create(user=ann)
    third = make_team("Third")
    contact = make_contact()
    a = bulk(care, 15, contact=contact)
    b = bulk(orders, 15, contact=contact, start=T0 + dt.timedelta(seconds=30))
    bulk(third, 10, contact=contact)
    seen, _ = walk(ann, InboxFilters(view="all"), 4)
    everything = sorted([*a, *b], key=lambda c: (c.updated_at, c.pk), reverse=True)
    assert seen == [c.pk for c in everything]


def test_views_select_open_mine_and_unassigned(alice, lena, care):
    contact = make_contact()
    mine = bulk(care, 3, contact=contact, assignee=alice)
    theirs = bulk(care, 2, contact=contact, assignee=lena)
    loose = bulk(care, 4, contact=contact)
    bulk(care, 5, contact=contact, status=Status.SOLVED)

    def ids(**kw):
        return {c.pk for c in queries.inbox_page(alice, InboxFilters(**kw), size=50).rows}

    assert ids(view="mine") == {c.pk for c in mine}
    assert ids(view="unassigned") == {c.pk for c in loose}
    assert ids(view="open") == {c.pk for c in [*mine, *theirs, *loose]}
    assert len(ids(view="all")) == 14
    assert len(ids(view="all", status="solved")) == 5
    assert ids(view="all", assignee=str(lena.pk)) == {c.pk for c in theirs}


def test_filters_by_tag_and_channel(alice, care):
    contact = make_contact()
    rows = bulk(care, 4, contact=contact)
    rows[0].tags.create(name="vip")
    Conversation.objects.filter(pk=rows[1].pk).update(channel="phone")
    page = queries.inbox_page(alice, InboxFilters(view="all", tag="vip"))
    assert [c.pk for c in page.rows] == [rows[0].pk]
    page = queries.inbox_page(alice, InboxFilters(view="all", channel="phone"))
    assert [c.pk for c in page.rows] == [rows[1].pk]


def test_a_team_outside_my_scope_shows_nothing(alice, orders):
    bulk(orders, 3, contact=make_contact())
    assert queries.inbox_page(alice, InboxFilters(view="all", team=orders.pk)).rows == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"view": "later"}, "view"),
        ({"status": "lost"}, "status"),
        ({"channel": "pigeon"}, "channel"),
        ({"team": "x"}, "team"),
        ({"assignee": "boss"}, "assignee"),
    ],
)
def test_bad_filters_name_the_field(data, field):
    with pytest.raises(DomainError) as caught:
        InboxFilters.parse(data)
    assert caught.value.field == field


def test_a_forged_cursor_is_refused(alice):
    with pytest.raises(DomainError) as caught:
        queries.inbox_page(alice, InboxFilters(), cursor="bm90IGEgY3Vyc29y")
    assert caught.value.field == "cursor"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plan")
@pytest.mark.parametrize("view", ["open", "unassigned", "mine", "all"])
def test_deep_pages_are_an_index_range_not_a_sort(alice, care, view):
    qs = queries._base(alice, InboxFilters(view=view)).filter(team_id=care.pk)
    when = T0
    qs = qs.filter(updated_at__lte=when).exclude(updated_at=when, id__gte=10**6)
    sql, params = (
        qs.order_by("-updated_at", "-id").values_list("id", flat=True)[:26].query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "TEMP B-TREE" not in plan, plan
    assert "USING" in plan and "INDEX" in plan, plan
    if view != "all":
        assert "is_open=?" in plan, f"open conversations must be an index range: {plan}"


# --- Lookups by email Message-ID ------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner and statistics")
def test_message_id_lookups_use_their_index_on_a_desk_of_mostly_notes(db):
    """Most messages of a desk that works by phone and web have no Message-ID. With the
    empty id in the index, the statistics (ANALYZE) made SQLite scan every message to
    thread one email; the partial indexes keep the lookup an index search."""
    from servewell.desk.models import Message

    team = make_team("Care")
    contact = make_contact()
    conversation = bulk(team, 1, contact=contact)[0]
    Message.objects.bulk_create(
        [Message(conversation=conversation, kind="note", created_at=T0) for _ in range(300)]
        + [
            Message(
                conversation=conversation,
                kind="customer",
                created_at=T0,
                email_message_id=f"<m{i}@example.org>",
                in_reply_to=f"<m{i - 1}@example.org>" if i else "",
            )
            for i in range(3)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    lookups = {
        "msg_email_id": Message.objects.with_email_ids(["<m1@example.org>", "<x@example.org>"]),
        "msg_in_reply_to": Message.objects.answering(["<m0@example.org>"]),
    }
    for index, queryset in lookups.items():
        sql, params = queryset.order_by().values_list("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " | ".join(row[-1] for row in cursor.fetchall())
        assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
    assert [m.email_message_id for m in lookups["msg_email_id"]] == ["<m1@example.org>"]
    assert [m.in_reply_to for m in lookups["msg_in_reply_to"]] == ["<m0@example.org>"]
