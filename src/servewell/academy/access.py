"""Academy permissions and the scoped fetches of cohorts and teach-backs.

- ``academy.learn``: every staff role. Follow one's cohorts, answer reflections, take
  quizzes, file one's teach-back, comment on peers' teach-backs, see the cascade.
- ``academy.teach``: trainers (and admins). Write courses, run cohorts, acknowledge
  teach-backs, endorse graduates as trainers.
- ``academy.reports``: leads, managers and trainers. Cohort reports beside quality.

A cohort is visible to its learners, its trainer, and holders of ``academy.teach`` or
``academy.reports``; only its trainer (or an admin) runs it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from servewell.academy.models import Cohort, TeachBack
from servewell.core.access import Forbidden, can
from servewell.core.ids import parse_id
from servewell.people.models import Role, Team, User

ACADEMY_LEARN = "academy.learn"
ACADEMY_TEACH = "academy.teach"
ACADEMY_REPORTS = "academy.reports"

GRANTS: dict[str, set[str]] = {
    Role.AGENT: {ACADEMY_LEARN},
    Role.QA: {ACADEMY_LEARN},
    Role.TRAINER: {ACADEMY_LEARN, ACADEMY_TEACH, ACADEMY_REPORTS},
    Role.LEAD: {ACADEMY_LEARN, ACADEMY_REPORTS},
    Role.MANAGER: {ACADEMY_LEARN, ACADEMY_REPORTS},
}


def cohorts_for(user: User) -> QuerySet[Cohort]:
    qs = Cohort.objects.all()
    if can(user, ACADEMY_TEACH) or can(user, ACADEMY_REPORTS):
        return qs
    return qs.filter(Q(enrolments__learner=user) | Q(trainer=user)).distinct()


def runs(user: User, cohort: Cohort) -> bool:
    """The cohort's trainer, or an admin, runs it."""
    return can(user, ACADEMY_TEACH) and (cohort.trainer_id == user.pk or user.has_role(Role.ADMIN))


def access_cohort(user: User, pk: Any, *, manage: bool = False) -> Cohort:
    """The one fetch of a cohort: 404 when not visible, 403 when it may not be run."""
    try:
        cohort = cohorts_for(user).select_related("version__course", "trainer").get(pk=parse_id(pk))
    except (Cohort.DoesNotExist, ValueError, TypeError):
        raise Http404("No such cohort.") from None
    if manage and not runs(user, cohort):
        raise Forbidden("Only the cohort's trainer runs it.")
    return cohort


def access_teachback(user: User, pk: Any) -> TeachBack:
    """Teach-backs are read by the cohort: its learners, its trainer, and trainers."""
    try:
        teachback = TeachBack.objects.select_related(
            "enrolment__learner", "enrolment__cohort__trainer", "enrolment__cohort__version"
        ).get(pk=parse_id(pk))
    except (TeachBack.DoesNotExist, ValueError, TypeError):
        raise Http404("No such teach-back.") from None
    cohort = teachback.enrolment.cohort
    if can(user, ACADEMY_TEACH) or cohort.trainer_id == user.pk:
        return teachback
    if not cohort.enrolments.filter(learner=user).exists():
        raise Http404("No such teach-back.")
    return teachback


def enrollable_people(user: User) -> QuerySet[User]:
    """Trainers teach across teams: they may enrol anyone active, whatever their teams."""
    return User.objects.filter(is_active=True).exclude(role_grants__role=Role.SERVICE)


def enrollable_team(user: User, pk: Any) -> Team:
    try:
        return Team.objects.get(pk=parse_id(pk), is_active=True)
    except Team.DoesNotExist:
        raise Http404("No such team.") from None
