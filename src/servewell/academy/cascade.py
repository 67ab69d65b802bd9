"""The trainer cascade: who trained whom, endorsements, and the reach of a subtree.

The cascade is the graph of ``TrainingEdge`` rows (trainer → graduate). A person may be
trained by several trainers, so subtrees overlap; every count here is of distinct people
and distinct teach-back reports. The walks are not repeated on every read: the closure
(``TrainingPath``, a row per ancestor and descendant with the shortest and longest chain)
is extended in the transaction that adds an edge, so reach, generations and "is below"
are indexed reads of it; ``rebuild_paths`` recomputes it with one recursive query in the
database (``WITH RECURSIVE``, the same text on SQLite and PostgreSQL), never a Python loop.
The graph never has a cycle: an edge that would close one is refused, so the walks end
and "generations" is well defined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from servewell.academy.models import (
    Endorsement,
    Enrolment,
    TeachBack,
    TrainingEdge,
    TrainingPath,
)
from servewell.core import audit, events
from servewell.core.access import can
from servewell.core.errors import DomainError
from servewell.people import directory
from servewell.people.models import Role, User

TRAINER_ENDORSED = events.declare(
    "academy.trainer.endorsed", "A graduate was endorsed as a trainer by another trainer."
)

_EDGES = TrainingEdge._meta.db_table
_PATHS = TrainingPath._meta.db_table
_TEACHBACKS = TeachBack._meta.db_table
_ENROLMENTS = Enrolment._meta.db_table
_FILED = f"""
    FROM {_ENROLMENTS} en JOIN {_TEACHBACKS} tb ON tb.enrolment_id = en.id
    WHERE en.learner_id = %s AND tb.filed_at IS NOT NULL
"""  # noqa: S608
_OWN_REPORTS = f"SELECT COUNT(tb.id) {_FILED}"
_OWN_REACHED = f"SELECT COALESCE(SUM(tb.people_reached), 0) {_FILED}"


@dataclass(frozen=True)
class Reach:
    trained: int  # distinct people below the root
    generations: int  # the longest chain below the root
    reports: int  # distinct teach-back reports filed by the root or anyone below
    reached: int  # people reached in the community by those reports


def get_reach(person_id: int) -> Reach:
    """The reach of one person's subtree: one range of the closure's covering index (a
    row per person below, so each counts once however many paths lead to them, carrying
    their own reports) plus the root's own reports."""
    sql = f"""
        SELECT COUNT(*), MAX(farthest), COALESCE(SUM(reports), 0), COALESCE(SUM(reached), 0),
            ({_OWN_REPORTS}), ({_OWN_REACHED})
        FROM {_PATHS} WHERE ancestor_id = %s
    """  # noqa: S608 - table names come from the models, the root is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id] * 3)
        trained, generations, reports, reached, own_reports, own_reached = cursor.fetchone()
    return Reach(
        int(trained or 0),
        int(generations or 0),
        int(reports or 0) + int(own_reports or 0),
        int(reached or 0) + int(own_reached or 0),
    )


def refresh_reports(person_id: int) -> None:
    """Copy a person's filed reports onto every closure row below someone: called in
    the transaction that files or amends a teach-back report."""
    sql = f"""
        UPDATE {_PATHS} SET reports = ({_OWN_REPORTS}), reached = ({_OWN_REACHED})
        WHERE descendant_id = %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id] * 3)


def list_generations(person_id: int) -> list[tuple[int, int]]:
    """(generation, people) below the root; a person counts in their nearest generation."""
    sql = f"""
        SELECT nearest, COUNT(*) FROM {_PATHS} WHERE ancestor_id = %s
        GROUP BY nearest ORDER BY nearest
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id])
        return [(int(d), int(n)) for d, n in cursor.fetchall()]


def is_below(person_id: int, root_id: int) -> bool:
    """Whether ``person`` is in ``root``'s subtree (trained by them, directly or not)."""
    return TrainingPath.objects.filter(ancestor_id=root_id, descendant_id=person_id).exists()


def subtree_edges(person_id: int, *, limit: int) -> list[tuple[int, int]]:
    """Up to ``limit`` edges of the subtree, nearest generations first (for drawing)."""
    sql = f"""
        SELECT e.trainer_id, e.trainee_id FROM {_PATHS} p
        JOIN {_EDGES} e ON e.trainee_id = p.descendant_id
        WHERE p.ancestor_id = %s AND (
            e.trainer_id = %s OR EXISTS (
                SELECT 1 FROM {_PATHS} q WHERE q.ancestor_id = %s AND q.descendant_id = e.trainer_id
            )
        )
        ORDER BY p.nearest, e.trainer_id, e.trainee_id
        LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, person_id, person_id, limit])
        return [(int(a), int(b)) for a, b in cursor.fetchall()]


def would_cycle(trainer_id: int, trainee_id: int) -> bool:
    return trainer_id == trainee_id or is_below(trainer_id, trainee_id)


def add_edge(*, trainer: User, trainee: User, cohort: Any = None, now: datetime) -> TrainingEdge:
    """Record that ``trainer`` trained ``trainee``; refused when it would close a cycle.
    The closure learns every new path in the same transaction."""
    with transaction.atomic():
        existing = TrainingEdge.objects.filter(trainer=trainer, trainee=trainee).first()
        if existing:
            return existing
        if would_cycle(trainer.pk, trainee.pk):
            raise DomainError(
                "conflict", f"{trainee} trained {trainer} already: the cascade cannot loop back."
            )
        edge = TrainingEdge.objects.create(
            trainer=trainer, trainee=trainee, cohort=cohort, created_at=now
        )
        _add_paths(trainer.pk, trainee.pk)
    return edge


def _add_paths(trainer_id: int, trainee_id: int) -> None:
    """Everyone above the trainer (and the trainer) now reaches everyone below the
    trainee (and the trainee); a pair known already keeps its shortest and longest
    chain. Each (above, below) pair occurs once, as an upsert needs."""
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    sql = f"""
        INSERT INTO {_PATHS} (ancestor_id, descendant_id, nearest, farthest, reports, reached)
        SELECT up.person, down.person, up.nearest + 1 + down.nearest,
               up.farthest + 1 + down.farthest, down.reports, down.reached
        FROM (
            SELECT ancestor_id AS person, nearest, farthest FROM {_PATHS} WHERE descendant_id = %s
            UNION ALL SELECT %s, 0, 0
        ) up CROSS JOIN (
            SELECT descendant_id AS person, nearest, farthest, reports, reached
            FROM {_PATHS} WHERE ancestor_id = %s
            UNION ALL SELECT %s, 0, 0, ({_OWN_REPORTS}), ({_OWN_REACHED})
        ) down
        WHERE true
        ON CONFLICT (ancestor_id, descendant_id) DO UPDATE SET
            nearest = {least}({_PATHS}.nearest, excluded.nearest),
            farthest = {greatest}({_PATHS}.farthest, excluded.farthest)
    """  # noqa: S608 - table names come from the models, ids are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [trainer_id, trainer_id, trainee_id, trainee_id, trainee_id, trainee_id]
        )


def rebuild_paths() -> int:
    """Recompute the closure from the edges in one recursive query: for rows written
    without ``add_edge`` (a bulk load, the migration that introduced the closure).
    Returns the number of paths."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_PATHS}")  # noqa: S608
        cursor.execute(rebuild_sql(_EDGES, _PATHS, _ENROLMENTS, _TEACHBACKS))
    return TrainingPath.objects.count()


def rebuild_sql(edges: str, paths: str, enrolments: str, teachbacks: str) -> str:
    """The recursive walk that fills ``paths`` from ``edges``, each row with its
    descendant's filed reports."""
    return f"""
        WITH RECURSIVE walk(ancestor, descendant, depth) AS (
            SELECT trainer_id, trainee_id, 1 FROM {edges}
            UNION
            SELECT w.ancestor, e.trainee_id, w.depth + 1
            FROM walk w JOIN {edges} e ON e.trainer_id = w.descendant
        ),
        own(person, reports, reached) AS (
            SELECT en.learner_id, COUNT(tb.id), COALESCE(SUM(tb.people_reached), 0)
            FROM {enrolments} en JOIN {teachbacks} tb ON tb.enrolment_id = en.id
            WHERE tb.filed_at IS NOT NULL GROUP BY en.learner_id
        )
        INSERT INTO {paths} (ancestor_id, descendant_id, nearest, farthest, reports, reached)
        SELECT w.ancestor, w.descendant, MIN(w.depth), MAX(w.depth),
               COALESCE(MAX(o.reports), 0), COALESCE(MAX(o.reached), 0)
        FROM walk w LEFT JOIN own o ON o.person = w.descendant
        GROUP BY w.ancestor, w.descendant
    """  # noqa: S608


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
