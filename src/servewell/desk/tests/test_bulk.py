"""Inbox bulk actions: each row through the single-conversation domain functions, one
audit entry for the batch, a summary instead of an all-or-nothing failure."""

from __future__ import annotations

import pytest

from servewell.core.audit import AuditEntry
from servewell.core.errors import DomainError
from servewell.desk import bulk, conversations
from servewell.desk.models import Activity, Conversation, Priority, Status
from servewell.desk.tests.factories import make_conversation


@pytest.fixture
def rows(care):
    return [make_conversation(care, subject=f"Row {n}") for n in range(3)]


def items(convs):
    return [bulk.Item(c.pk, c.version) for c in convs]


def test_assigning_three_goes_through_the_domain_per_conversation_and_audits_once(
    lena, alice, rows, commit, published
):
    with commit():
        result = bulk.apply(lena, items(rows), action="assign", value=alice.pk)
    assert sorted(result.updated) == sorted(c.pk for c in rows)
    assert result.summary == "3 updated"
    assert set(Conversation.objects.values_list("assignee", flat=True)) == {alice.pk}
    assert Activity.objects.filter(verb="assigned").count() == 3
    assert AuditEntry.objects.filter(action="conversation.updated").count() == 3
    [entry] = AuditEntry.objects.filter(action="conversation.bulk_assign")
    assert all(f"#{c.pk}" in entry.object_label for c in rows)
    assert sorted(entry.after["updated"]) == sorted(c.pk for c in rows)
    assert [name for name, _ in published].count("conversation.assigned") == 3


def test_a_row_changed_by_someone_else_is_skipped_and_the_rest_go_ahead(lena, alice, rows):
    conversations.update_conversation(alice, rows[0], expected_version=None, priority="high")
    result = bulk.apply(lena, items(rows), action="status", value=Status.PENDING)
    assert result.skipped == {rows[0].pk: bulk.STALE}
    assert result.summary == "2 updated, 1 skipped: changed by someone else"
    assert Conversation.objects.get(pk=rows[0].pk).status == Status.NEW
    assert Conversation.objects.filter(status=Status.PENDING).count() == 2


def test_tags_are_added_and_removed_and_priority_set(lena, rows):
    bulk.apply(lena, items(rows), action="add_tag", value=" Refund ")
    fresh = list(Conversation.objects.filter(pk__in=[c.pk for c in rows]))
    assert all([t.name for t in c.tags.all()] == ["refund"] for c in fresh)
    again = bulk.apply(lena, items(fresh), action="add_tag", value="refund")
    assert again.unchanged and not again.updated
    fresh = list(Conversation.objects.filter(pk__in=[c.pk for c in rows]))
    bulk.apply(lena, items(fresh[:1]), action="remove_tag", value="refund")
    assert not Conversation.objects.get(pk=fresh[0].pk).tags.exists()
    bulk.apply(lena, [bulk.Item(c.pk) for c in rows], action="priority", value=Priority.URGENT)
    assert set(Conversation.objects.values_list("priority", flat=True)) == {Priority.URGENT}


def test_merging_into_one_of_the_selected(lena, rows):
    target = rows[1]
    result = bulk.apply(lena, items(rows), action="merge", value=f"#{target.pk}")
    assert sorted(result.updated) == sorted([rows[0].pk, rows[2].pk])
    merged = Conversation.objects.filter(merged_into=target)
    assert merged.count() == 2 and target.messages.count() == 3
    with pytest.raises(DomainError, match="one of the selected"):
        bulk.apply(lena, items(rows[:1]), action="merge", value=rows[2].pk)


def test_rows_outside_scope_or_unassignable_are_skipped_with_the_reason(alice, bob, orders, rows):
    theirs = make_conversation(orders)
    result = bulk.apply(
        alice, [*items(rows[:1]), bulk.Item(theirs.pk)], action="assign", value=bob.pk
    )
    assert result.skipped[theirs.pk] == "not found"
    assert "not an agent of Care" in result.skipped[rows[0].pk]
    assert Conversation.objects.get(pk=theirs.pk).assignee is None


def test_bad_requests_are_refused_whole(lena, rows):
    too_many = [bulk.Item(n) for n in range(1, bulk.MAX_BATCH + 2)]
    for kwargs, words in [
        ({"items": too_many, "action": "status", "value": "open"}, "at most 100"),
        ({"items": [], "action": "status", "value": "open"}, "at least one"),
        ({"items": items(rows), "action": "explode"}, "Unknown bulk action"),
        ({"items": items(rows), "action": "status", "value": "sideways"}, "Choose a status"),
        ({"items": items(rows), "action": "assign", "value": "999999"}, "No such person"),
        ({"items": items(rows), "action": "add_tag", "value": "  "}, "Enter a tag"),
    ]:
        with pytest.raises(DomainError, match=words):
            bulk.apply(lena, kwargs.pop("items"), **kwargs)
    assert not AuditEntry.objects.filter(action__startswith="conversation.bulk").exists()
    with pytest.raises(DomainError):
        bulk.parse_items(["12:abc"])


def test_queries_grow_by_a_bounded_amount_per_conversation(
    lena, alice, care, django_assert_max_num_queries
):
    few = [make_conversation(care) for _ in range(2)]
    many = [make_conversation(care) for _ in range(10)]
    # Each row is its own transaction through update_conversation (lock, history, audit,
    # event): 9 statements; the batch adds the read, the person's teams and the audit entry.
    with django_assert_max_num_queries(2 * 10 + 6):
        bulk.apply(lena, items(few), action="status", value=Status.OPEN)
    with django_assert_max_num_queries(10 * 10 + 6):
        bulk.apply(lena, items(many), action="status", value=Status.OPEN)


# --- The inbox ------------------------------------------------------------------------------


def test_the_inbox_offers_checkboxes_and_the_bulk_bar_to_those_who_work(
    client_as, lena, quinn, rows
):
    html = client_as(lena).get("/desk/?view=all").content.decode()
    assert 'id="bulk-form"' in html and "Select all on this page" in html
    assert f'value="{rows[0].pk}:{rows[0].version}"' in html
    assert 'id="bulk-form"' not in client_as(quinn).get("/desk/").content.decode()


def test_the_bulk_bar_assigns_and_answers_with_a_summary_and_fresh_rows(
    client_as, lena, alice, rows
):
    response = client_as(lena).post(
        "/desk/bulk/",
        {"ids": [f"{c.pk}:{c.version}" for c in rows], "action": "assign", "assignee": alice.pk},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "3 updated" in html
    assert html.count('hx-swap-oob="true"') == 3 and str(alice) in html


def test_the_bulk_bar_refuses_bad_input_clearly(client_as, lena, quinn, rows):
    client = client_as(lena)
    for data in (
        {"ids": ["x"], "action": "assign"},
        {"ids": [str(rows[0].pk)], "action": "nope"},
        {"ids": [str(rows[0].pk)]},
    ):
        response = client.post("/desk/bulk/", data, HTTP_HX_REQUEST="true")
        assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    response = client.post(
        "/desk/bulk/", {"ids": [str(rows[0].pk)], "action": "status", "status": "open"}
    )
    assert response.status_code == 302
    assert client_as(quinn).post("/desk/bulk/", {"action": "status"}).status_code == 403


# --- The API --------------------------------------------------------------------------------


def test_the_api_runs_a_bulk_action_and_reports_each_row(api, lena, alice, rows):
    conversations.update_conversation(alice, rows[2], expected_version=None, priority="high")
    body = {
        "action": "add_tag",
        "value": "vip",
        "conversations": [{"id": c.pk, "expected_version": c.version} for c in rows],
    }
    response = api(lena).post("/api/conversations/bulk/", body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert sorted(data["updated"]) == sorted([rows[0].pk, rows[1].pk])
    assert data["skipped"] == [{"id": rows[2].pk, "reason": "changed by someone else"}]
    assert data["summary"] == "2 updated, 1 skipped: changed by someone else"


def test_the_api_refuses_a_too_large_or_malformed_batch(api, lena, quinn, rows):
    client = api(lena)
    big = {"action": "status", "value": "open", "conversations": [{"id": n} for n in range(1, 102)]}
    for body in (
        big,
        {"action": "status", "value": "open", "conversations": [{"id": "x"}]},
        {"action": "fly", "conversations": [{"id": rows[0].pk}]},
    ):
        response = client.post("/api/conversations/bulk/", body, format="json")
        assert response.status_code == 400, response.content
    assert "at most 100" in str(client.post("/api/conversations/bulk/", big, format="json").json())
    denied = api(quinn).post("/api/conversations/bulk/", big, format="json")
    assert denied.status_code == 403


def test_the_bulk_bar_never_redirects_off_the_site(client_as, lena, rows):
    data = {"ids": [str(rows[0].pk)], "action": "status", "status": "open"}
    response = client_as(lena).post("/desk/bulk/", {**data, "next": "https://evil.test/x"})
    assert response.status_code == 302 and response["Location"] == "/desk/"
