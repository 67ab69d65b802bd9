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
