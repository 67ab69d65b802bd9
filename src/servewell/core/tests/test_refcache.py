"""Reference lists kept per process: reused while nothing changed, read again as soon as
anything they depend on changes, here or in another process."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servewell.core import refcache
from servewell.desk import assignment, macros
from servewell.desk.tests.factories import make_conversation
from servewell.goodwill import actions
from servewell.goodwill.forms import GrantForm
from servewell.people import teams
from servewell.people.models import Membership, Role, User
from servewell.people.tests.factories import make_person

pytestmark = pytest.mark.django_db


def _options(html: str, name: str) -> list[str]:
    block = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert block, f"no {name} select"
    return re.findall(r">([^<]+)</option>", block.group(1))


def test_a_new_team_member_is_offered_on_the_next_page(client_as, alice, care):
    conversation = make_conversation(care)
    page = client_as(alice).get(f"/desk/c/{conversation.pk}/").content.decode()
    assert _options(page, "assignee") == ["Unassigned", str(alice)]
    newcomer = make_person("nadia", [Role.AGENT], team=care)
    page = client_as(alice).get(f"/desk/c/{conversation.pk}/").content.decode()
    assert str(newcomer) in _options(page, "assignee")
    Membership.objects.get(user=newcomer).delete()
    page = client_as(alice).get(f"/desk/c/{conversation.pk}/").content.decode()
    assert str(newcomer) not in _options(page, "assignee")


def test_a_renamed_or_closed_team_shows_at_once_in_the_team_select(client_as, alice, care, orders):
    conversation = make_conversation(care)
    page = client_as(alice).get(f"/desk/c/{conversation.pk}/").content.decode()
    assert _options(page, "team") == ["Care", "Orders"]
    teams.update_team(None, orders, name="Accounts")
    page = client_as(alice).get(f"/desk/c/{conversation.pk}/").content.decode()
    assert _options(page, "team") == ["Accounts", "Care"]
    orders.refresh_from_db()
    orders.is_active = False
    orders.save()
    page = client_as(alice).get(f"/desk/c/{conversation.pk}/").content.decode()
    assert _options(page, "team") == ["Care"]


def test_kept_lists_cost_no_query_until_something_changes(care, alice):
    assert [label for _pk, label in assignment.assignable_choices(care.pk)] == [str(alice)]
    with CaptureQueriesContext(connection) as queries:
        assignment.assignable_choices(care.pk)
        teams.active_team_choices()
        teams.active_team_choices()
        macros.composer_macros(alice, care)
        macros.composer_macros(alice, care)
    # The first read of each kind starts its generation; from the second one on, kept.
    assert len(queries) <= 2
    with CaptureQueriesContext(connection) as queries:
        assignment.assignable_choices(care.pk)
        teams.active_team_choices()
        macros.composer_macros(alice, care)
    assert len(queries) == 0
    macros.create_macro(alice, name="Thanks", body="Thank you!", team=care)
    with CaptureQueriesContext(connection) as queries:
        found = macros.composer_macros(alice, care)
    assert [m.name for m in found] == ["Thanks"]
    assert len(queries) == 1


def test_another_process_changing_a_list_is_seen_by_this_one(care, orders, alice):
    """Another process announces a change by setting a new generation in the shared
    cache; this one reads it on its next use, and does not use what it kept."""
    assignment.assignable_choices(care.pk)
    assignment.assignable_choices(care.pk)
    bob = User.objects.create(username="late-bob", display_name="Late Bob")
    # Written as another process would (no signal here): only the generation tells.
    Membership.objects.bulk_create([Membership(user=bob, team=care)])
    bob.role_grants.create(role=Role.AGENT)  # a signal: this process marks it stale too
    assert "Late Bob" in [label for _pk, label in assignment.assignable_choices(care.pk)]
    Membership.objects.filter(user=bob).update(team=orders)
    assert "Late Bob" in [label for _pk, label in assignment.assignable_choices(care.pk)]
    cache.set(refcache.KEY, "set-by-another-process", None)
    assert "Late Bob" not in [label for _pk, label in assignment.assignable_choices(care.pk)]


def test_a_write_without_signals_is_seen_within_the_age_limit(care, alice, monkeypatch):
    assignment.assignable_choices(care.pk)
    assignment.assignable_choices(care.pk)
    User.objects.filter(pk=alice.pk).update(display_name="Alice Renamed")
    assert [label for _pk, label in assignment.assignable_choices(care.pk)] == [str(alice)]
    later = refcache.time.monotonic() + refcache.MAX_AGE_S + 1
    monkeypatch.setattr(refcache.time, "monotonic", lambda: later)
    assert [label for _pk, label in assignment.assignable_choices(care.pk)] == ["Alice Renamed"]


def test_goodwill_actions_offered_follow_the_catalogue(maria):
    now = timezone.now()
    voucher = actions.define_action(
        maria, name="Voucher", kind="credit", currency="EUR", has_amount=True, now=now
    )
    assert [label for _pk, label in GrantForm().fields["action"].widget.choices] == [str(voucher)]
    GrantForm()
    actions.define_action(
        maria, action=voucher, name="Voucher", kind="credit", currency="EUR",
        has_amount=True, now=now, is_active=False,
    )  # fmt: skip
    refund = actions.define_action(
        maria, name="Refund", kind="refund", currency="EUR", has_amount=True, now=now
    )
    assert [label for _pk, label in GrantForm().fields["action"].widget.choices] == [str(refund)]


def test_signing_in_keeps_the_lists_and_a_rename_does_not(client, care, alice):
    """Every sign-in saves the person's last login: a morning of them must not throw
    away every process's lists, while a new name shows at once."""
    assignment.assignable_choices(care.pk)
    assignment.assignable_choices(care.pk)
    last_login = alice.last_login
    client.force_login(alice)
    alice.refresh_from_db()
    assert alice.last_login != last_login
    with CaptureQueriesContext(connection) as queries:
        assignment.assignable_choices(care.pk)
    assert len(queries) == 0
    alice.display_name = "Alice Renamed"
    alice.save(update_fields=["display_name"])
    assert [label for _pk, label in assignment.assignable_choices(care.pk)] == ["Alice Renamed"]
