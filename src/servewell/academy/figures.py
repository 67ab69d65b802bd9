"""Numbers the academy offers the leader dashboard."""

from __future__ import annotations

from django.db import connection
from django.db.models import Sum

from servewell.academy.models import Enrolment, TeachBack, TrainingEdge
from servewell.core.contract import FigureQuery


def _learners(q: FigureQuery):
    qs = Enrolment.objects.all()
    if q.person_id:
        qs = qs.filter(learner_id=q.person_id)
    if q.team_ids is not None:
        qs = qs.filter(learner__memberships__team_id__in=q.team_ids).distinct()
    return qs


def completions(q: FigureQuery) -> float | None:
    return _learners(q).filter(completed_at__gte=q.start, completed_at__lt=q.end).count()


def reach(q: FigureQuery) -> float | None:
    """People reached by teach-back reports filed in the period."""
    ids = _learners(q).values("pk")
    return (
        TeachBack.objects.filter(
            enrolment__in=ids, filed_at__gte=q.start, filed_at__lt=q.end
        ).aggregate(n=Sum("people_reached"))["n"]
        or 0
    )


def generations(q: FigureQuery) -> float | None:
    """The deepest cascade: the longest trainer → graduate chain anywhere."""
    if not TrainingEdge.objects.exists():
        return 0
    table = TrainingEdge._meta.db_table
    sql = f"""
        WITH RECURSIVE chain(person, depth) AS (
            SELECT trainee_id, 1 FROM {table}
            WHERE trainer_id NOT IN (SELECT trainee_id FROM {table})
            UNION
            SELECT e.trainee_id, c.depth + 1 FROM {table} e JOIN chain c ON e.trainer_id = c.person
        )
        SELECT MAX(depth) FROM chain
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0] or 0)
