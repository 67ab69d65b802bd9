"""Quality permissions and the scoped fetches of reviews.

- ``quality.view``: every staff role. One's own reviews, notifications, disputes, coaching
  and quality page; nobody is exempt from being reviewed, so everybody may read theirs.
- ``quality.review``: QA reviewers, leads, managers, admins. Review conversations, work
  the sampling queue, take part in calibration.
- ``quality.manage``: QA reviewers, leads, managers, admins. Scorecards, sampling plans
  and runs, calibration sessions, reports.
- ``quality.coach``: leads, managers, admins. Resolve disputes and coach people (a lead
  only people of the teams they can see).

A review is visible to its reviewee and its reviewer, and to reviewers and managers of
the review's team (QA, managers and admins: every team).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from servewell.core.access import can
from servewell.people.access import visible_team_ids
from servewell.people.models import Role, User
from servewell.quality.models import Review

QUALITY_VIEW = "quality.view"
QUALITY_REVIEW = "quality.review"
QUALITY_MANAGE = "quality.manage"
QUALITY_COACH = "quality.coach"

#: Handed to core through the app contract; admins hold every permission.
GRANTS: dict[str, set[str]] = {
    Role.AGENT: {QUALITY_VIEW},
    Role.TRAINER: {QUALITY_VIEW},
    Role.QA: {QUALITY_VIEW, QUALITY_REVIEW, QUALITY_MANAGE},
    Role.LEAD: {QUALITY_VIEW, QUALITY_REVIEW, QUALITY_MANAGE, QUALITY_COACH},
    Role.MANAGER: {QUALITY_VIEW, QUALITY_REVIEW, QUALITY_MANAGE, QUALITY_COACH},
}

#: Roles whose members are given sampled conversations to review.
REVIEWER_ROLES = (Role.QA, Role.LEAD, Role.MANAGER)


def reviews_for(user: User) -> QuerySet[Review]:
    """Reviews ``user`` may read: their own (either side) and, for reviewers, their
    teams' — never another reviewer's unfinished draft, and no calibration scores
    (those are read through the calibration session)."""
    own = Q(reviewee=user, state=Review.State.SUBMITTED) | Q(reviewer=user)
    qs = Review.objects.filter(calibration__isnull=True)
    if not can(user, QUALITY_REVIEW):
        return qs.filter(own)
    ids = visible_team_ids(user)
    theirs = Q(state=Review.State.SUBMITTED)
    if ids is not None:
        theirs &= Q(team_id__in=ids)
    return qs.filter(own | theirs)


def access_review(user: User, pk: Any) -> Review:
    """The one fetch of a review that checks who may read it: 404 otherwise."""
    try:
        return (
            reviews_for(user)
            .select_related("conversation", "reviewee", "reviewer", "version__scorecard", "team")
            .get(pk=int(pk))
        )
    except (Review.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review.") from None


def sees_person(user: User, person: User) -> bool:
    """Whether ``user`` may read ``person``'s quality page: themselves, or a reviewer /
    coach whose teams include one of the person's teams."""
    if user.pk == person.pk:
        return True
    if not (can(user, QUALITY_REVIEW) or can(user, QUALITY_COACH)):
        return False
    ids = visible_team_ids(user)
    if ids is None:
        return True
    return person.memberships.filter(team_id__in=ids).exists()
