"""Round-robin assignment among the team's available members."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from servewell.desk import assignment
from servewell.desk.models import Conversation
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.people.models import Presence, Role
from servewell.people.tests.factories import make_person, make_team


def _available(*people):
    for person in people:
        person.presence = Presence.AVAILABLE
        person.save(update_fields=["presence"])


def test_round_robin_takes_turns_among_available_members(care, adam):
    ann = make_person("ann", [Role.AGENT], team=care)
    ben = make_person("ben", [Role.AGENT], team=care)
    cat = make_person("cat", [Role.AGENT], team=care)  # away: skipped
    make_person("quincy", [Role.QA], team=care, presence=Presence.AVAILABLE)  # no desk work
    _available(ann, ben)
    assert cat.presence == Presence.OFFLINE
    assignment.update_settings(adam, care, round_robin=True)
    picked = [make_conversation(care).assignee for _ in range(5)]
    assert picked == [ann, ben, ann, ben, ann]


def test_without_the_setting_new_conversations_stay_unassigned(care):
    _available(make_person("ann", [Role.AGENT], team=care))
    assert make_conversation(care).assignee is None


def test_nobody_available_leaves_it_unassigned(care, adam):
    make_person("ann", [Role.AGENT], team=care)
    assignment.update_settings(adam, care, round_robin=True)
    conv = make_conversation(care)
    assert conv.assignee is None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: concurrent writers (SQLite serialises every write anyway)",
)
@pytest.mark.django_db(transaction=True)
def test_round_robin_under_concurrency_never_doubles_up():
    care = make_team("Care")
    admin = make_person("adam", [Role.ADMIN])
    people = [make_person(name, [Role.AGENT], team=care) for name in ("ann", "ben", "cat")]
    _available(*people)
    assignment.update_settings(admin, care, round_robin=True)
    contacts = [make_contact(f"Customer {n}") for n in range(12)]
    barrier = threading.Barrier(4)

    def open_three(offset: int) -> None:
        try:
            barrier.wait()
            for contact in contacts[offset::4]:
                make_conversation(care, contact=contact)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_three, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(Conversation.objects.values_list("assignee__username", flat=True))
    assert counts == {"ann": 4, "ben": 4, "cat": 4}
