"""The cascade: endorsement rules, no cycles, reach counted once in SQL."""

from __future__ import annotations

import pytest

from servewell.academy import cascade, cohorts
from servewell.academy.models import Endorsement, TrainingEdge
from servewell.academy.tests.factories import NOW, graduate, make_cohort, make_course, make_trainer
from servewell.core.errors import DomainError
from servewell.people.models import Role
from servewell.people.tests.factories import make_person


def test_another_trainer_endorses_a_graduate_who_becomes_a_trainer(tara, alice):
    uma = make_trainer("uma")
    enrolment = graduate(make_cohort(tara), alice)
    with pytest.raises(DomainError, match="own trainees"):
        cascade.endorse(tara, alice, observed="practice", now=NOW)
    cascade.endorse(uma, alice, observed="teachback", teachback=enrolment.teachback, now=NOW)
    alice.refresh_from_db()
    assert Role.TRAINER in set(alice.role_grants.values_list("role", flat=True))
    with pytest.raises(DomainError, match="already"):
        cascade.endorse(make_trainer("vic"), alice, observed="practice", now=NOW)


def test_nobody_endorses_themselves_or_someone_who_has_not_graduated(tara, alice, bob):
    with pytest.raises(DomainError):
        cascade.endorse(tara, tara, observed="practice", now=NOW)
    with pytest.raises(DomainError, match="not completed"):
        cascade.endorse(tara, bob, observed="practice", now=NOW)
    with pytest.raises(DomainError, match="Only a trainer"):
        cascade.endorse(bob, alice, observed="practice", now=NOW)
    assert not Endorsement.objects.exists()


def test_a_cycle_in_the_cascade_is_refused(tara, alice):
    course = make_course()
    graduate(make_cohort(tara, course), alice)  # tara -> alice
    alices = make_cohort(alice, course, name="Alice's cohort")
    with pytest.raises(DomainError, match="cannot loop back"):
        cohorts.enrol(None, alices, [tara], now=NOW)
    with pytest.raises(DomainError, match="cannot loop back"):
        cascade.add_edge(trainer=alice, trainee=tara, now=NOW)
    assert TrainingEdge.objects.count() == 1


def test_reach_counts_each_person_and_report_once_when_trees_overlap(tara, alice):
    uma = make_trainer("uma")
    course = make_course()
    bea, cal = make_person("bea", [Role.AGENT]), make_person("cal", [Role.AGENT])
    graduate(make_cohort(tara, course), alice, reached=10)  # tara -> alice
    graduate(make_cohort(alice, course, name="A"), bea, reached=5)  # alice -> bea
    graduate(make_cohort(alice, course, name="A2"), cal, reached=7)  # alice -> cal
    cascade.add_edge(trainer=tara, trainee=bea, now=NOW)  # overlap: tara -> bea directly
    cascade.add_edge(trainer=uma, trainee=cal, now=NOW)

    reach = cascade.get_reach(tara.pk)
    assert (reach.trained, reach.generations, reach.reports, reach.reached) == (3, 2, 3, 22)
    assert cascade.list_generations(tara.pk) == [(1, 2), (2, 1)]  # bea is in generation 1
    assert cascade.get_reach(alice.pk).reached == 22  # her own report and her trainees'
    assert cascade.get_reach(uma.pk).trained == 1
    assert {u.username for u in cascade.list_roots()} == {"tara", "uma"}


def test_the_tree_is_an_svg_without_script_or_style(tara, alice):
    from servewell.academy import tree

    graduate(make_cohort(tara), alice)
    drawing = tree.draw(tara)
    assert drawing.svg.startswith("<svg") and drawing.generations == 1 and drawing.people == 1
    assert "<script" not in drawing.svg and "style=" not in drawing.svg
    assert "cascade-node" in drawing.svg and str(alice) in drawing.svg


WALK = """
    WITH RECURSIVE walk(person, depth) AS (
        SELECT trainee_id, 1 FROM academy_trainingedge WHERE trainer_id = %s
        UNION
        SELECT e.trainee_id, w.depth + 1 FROM academy_trainingedge e JOIN walk w
        ON e.trainer_id = w.person
    )
    SELECT person, MIN(depth), MAX(depth) FROM walk GROUP BY person
"""


def _walked(person_id: int) -> dict[int, tuple[int, int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(WALK, [person_id])
        return {p: (lo, hi) for p, lo, hi in cursor.fetchall()}


def _stored(person_id: int) -> dict[int, tuple[int, int]]:
    from servewell.academy.models import TrainingPath

    rows = TrainingPath.objects.filter(ancestor_id=person_id)
    return {r.descendant_id: (r.nearest, r.farthest) for r in rows}


def test_the_stored_closure_agrees_with_a_recursive_walk_after_random_links(db):
    import random

    rng = random.Random(7)
    people = [make_person(f"p{n}", [Role.AGENT]) for n in range(14)]
    refused = 0
    for _ in range(45):
        trainer, trainee = rng.sample(people, 2)
        try:
            cascade.add_edge(trainer=trainer, trainee=trainee, now=NOW)
        except DomainError:
            refused += 1
    assert refused and TrainingEdge.objects.count() > 20  # overlaps and refused cycles
    for person in people:
        walked = _walked(person.pk)
        assert _stored(person.pk) == walked
        reach = cascade.get_reach(person.pk)
        assert reach.trained == len(walked)
        assert reach.generations == max((hi for _, hi in walked.values()), default=0)
        nearest = sorted(lo for lo, _ in walked.values())
        assert cascade.list_generations(person.pk) == sorted(
            {(d, nearest.count(d)) for d in nearest}
        )
    before = {p.pk: _stored(p.pk) for p in people}
    assert cascade.rebuild_paths() == sum(len(v) for v in before.values())
    assert {p.pk: _stored(p.pk) for p in people} == before
