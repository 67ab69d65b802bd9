"""The trainer cascade: who trained whom, endorsements, and the reach of a subtree.

The cascade is the graph of ``TrainingEdge`` rows (trainer → graduate). A person may be
trained by several trainers, so subtrees overlap; every count here is of distinct people
and distinct teach-back reports, and every walk is a recursive query in the database
(``WITH RECURSIVE``, the same text on SQLite and PostgreSQL), never a Python loop over
rows. The graph never has a cycle: an edge that would close one is refused, so the walks
end and "generations" is well defined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from servewell.academy.models import Endorsement, Enrolment, TeachBack, TrainingEdge
from servewell.core import audit, events
from servewell.core.access import can
from servewell.core.errors import DomainError
from servewell.people import directory
from servewell.people.models import Role, User

TRAINER_ENDORSED = events.declare(
    "academy.trainer.endorsed", "A graduate was endorsed as a trainer by another trainer."
)

_EDGES = TrainingEdge._meta.db_table
_TEACHBACKS = TeachBack._meta.db_table
_ENROLMENTS = Enrolment._meta.db_table

#: Everyone below the root (depth >= 1) with the depth of each path; UNION drops repeats.
_SUBTREE = f"""
    sub(person, depth) AS (
        SELECT trainee_id, 1 FROM {_EDGES} WHERE trainer_id = %s
        UNION
        SELECT e.trainee_id, s.depth + 1 FROM {_EDGES} e JOIN sub s ON e.trainer_id = s.person
    ),
    people(person, depth) AS (SELECT person, MIN(depth) FROM sub GROUP BY person)
"""  # noqa: S608 - table names come from the models, the root is a parameter


@dataclass(frozen=True)
class Reach:
    trained: int  # distinct people below the root
    generations: int  # the longest chain below the root
    reports: int  # distinct teach-back reports filed by the root or anyone below
    reached: int  # people reached in the community by those reports


def get_reach(person_id: int) -> Reach:
    """The reach of one person's subtree, in one recursive query that walks the tree
    once (the root at depth 0; each person kept once, at their deepest depth)."""
    sql = f"""
        WITH RECURSIVE walk(person, depth) AS (
            SELECT %s, 0
            UNION
            SELECT e.trainee_id, w.depth + 1 FROM {_EDGES} e JOIN walk w ON e.trainer_id = w.person
        ),
        everyone(person, depth) AS MATERIALIZED (
            SELECT person, MAX(depth) FROM walk GROUP BY person
        ),
        filed(reports, reached) AS MATERIALIZED (
            SELECT COUNT(tb.id), COALESCE(SUM(tb.people_reached), 0)
            FROM everyone p
            JOIN {_ENROLMENTS} en ON en.learner_id = p.person
            JOIN {_TEACHBACKS} tb ON tb.enrolment_id = en.id AND tb.filed_at IS NOT NULL
        )
        SELECT COUNT(*) - 1, MAX(depth), (SELECT reports FROM filed), (SELECT reached FROM filed)
        FROM everyone
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id])
        trained, generations, reports, reached = cursor.fetchone()
    return Reach(int(trained or 0), int(generations or 0), int(reports or 0), int(reached or 0))


def list_generations(person_id: int) -> list[tuple[int, int]]:
    """(generation, people) below the root; a person counts in their nearest generation."""
    sql = f"""
        WITH RECURSIVE {_SUBTREE}
        SELECT depth, COUNT(*) FROM people GROUP BY depth ORDER BY depth
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id])
        return [(int(d), int(n)) for d, n in cursor.fetchall()]


def is_below(person_id: int, root_id: int) -> bool:
    """Whether ``person`` is in ``root``'s subtree (trained by them, directly or not)."""
    sql = f"WITH RECURSIVE {_SUBTREE} SELECT 1 FROM people WHERE person = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [root_id, person_id])
        return cursor.fetchone() is not None


def subtree_edges(person_id: int, *, limit: int) -> list[tuple[int, int]]:
    """Up to ``limit`` edges of the subtree, nearest generations first (for drawing)."""
    sql = f"""
        WITH RECURSIVE {_SUBTREE}
        SELECT e.trainer_id, e.trainee_id FROM {_EDGES} e
        JOIN people p ON p.person = e.trainee_id
        WHERE e.trainer_id = %s OR e.trainer_id IN (SELECT person FROM people)
        ORDER BY p.depth, e.trainer_id, e.trainee_id
        LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, person_id, limit])
        return [(int(a), int(b)) for a, b in cursor.fetchall()]


def would_cycle(trainer_id: int, trainee_id: int) -> bool:
    return trainer_id == trainee_id or is_below(trainer_id, trainee_id)


def add_edge(*, trainer: User, trainee: User, cohort: Any = None, now: datetime) -> TrainingEdge:
    """Record that ``trainer`` trained ``trainee``; refused when it would close a cycle."""
    existing = TrainingEdge.objects.filter(trainer=trainer, trainee=trainee).first()
    if existing:
        return existing
    if would_cycle(trainer.pk, trainee.pk):
        raise DomainError(
            "conflict", f"{trainee} trained {trainer} already: the cascade cannot loop back."
        )
    return TrainingEdge.objects.create(
        trainer=trainer, trainee=trainee, cohort=cohort, created_at=now
    )


def list_roots() -> list[User]:
    """Trainers at the top of a tree: they trained someone and nobody trained them."""
    return list(
        User.objects.filter(trainee_edges__isnull=False)
        .exclude(trainer_edges__isnull=False)
        .distinct()
        .order_by("display_name", "username")
    )


def is_graduate(person: User) -> bool:
    return Enrolment.objects.filter(learner=person, completed_at__isnull=False).exists()


def endorse(
    actor: User,
    trainee: User,
    *,
    observed: str,
    now: datetime,
    teachback: TeachBack | None = None,
    note: str = "",
) -> Endorsement:
    """A trainer who did not train ``trainee`` endorses them as a trainer (Carpentries
    style); the graduate is given the trainer role and may run cohorts."""
    from servewell.academy.access import ACADEMY_TEACH

    if not can(actor, ACADEMY_TEACH):
        raise DomainError("forbidden", "Only a trainer endorses trainers.")
    _check_endorsement(actor, trainee, observed, teachback)
    with transaction.atomic():
        if Endorsement.objects.select_for_update().filter(trainee=trainee).exists():
            raise DomainError("duplicate", f"{trainee} is endorsed already.")
        endorsement = Endorsement.objects.create(
            trainee=trainee, endorser=actor, observed=observed, teachback=teachback,
            note=str(note or "")[:5000], created_at=now,
        )  # fmt: skip
        roles = list(trainee.role_grants.values_list("role", flat=True))
        if Role.TRAINER not in roles:
            directory.update_person(actor, trainee, roles=[*roles, Role.TRAINER])
        audit.record(actor, "academy.trainer.endorsed", trainee, after={"observed": observed})
        events.publish(TRAINER_ENDORSED, {"trainee": trainee.pk, "endorser": actor.pk})
    return endorsement


def _check_endorsement(
    actor: User, trainee: User, observed: str, teachback: TeachBack | None
) -> None:
    if actor.pk == trainee.pk:
        raise DomainError("invalid", "Nobody endorses themselves.")
    if observed not in Endorsement.Observed.values:
        raise DomainError("invalid", f"Unknown observation {observed!r}.", field="observed")
    if not is_graduate(trainee):
        raise DomainError("invalid", f"{trainee} has not completed a course yet.")
    if TrainingEdge.objects.filter(trainer=actor, trainee=trainee).exists():
        raise DomainError("forbidden", "Nobody endorses their own trainees: ask another trainer.")
    if is_below(actor.pk, trainee.pk):
        raise DomainError("conflict", f"{trainee} trained you: the cascade cannot loop back.")
    if observed == Endorsement.Observed.TEACHBACK:
        if teachback is None or teachback.enrolment.learner_id != trainee.pk:
            raise DomainError("invalid", "Name the teach-back you observed.", field="teachback")
        if not teachback.is_filed:
            raise DomainError("invalid", "That teach-back has no report yet.", field="teachback")
