"""The quality home ("my reviews", notifications, my queue) and a person's quality page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from servewell.core.access import can, requires
from servewell.people.models import User
from servewell.quality import coaching, notify, queries, reports
from servewell.quality.access import (
    QUALITY_COACH,
    QUALITY_REVIEW,
    QUALITY_VIEW,
    reviews_for,
    sees_person,
)
from servewell.quality.disputes import disputes_for
from servewell.quality.forms import CoachingForm
from servewell.quality.models import Criterion, Dispute
from servewell.quality.queries import published_versions


@requires(QUALITY_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    reviewer = can(user, QUALITY_REVIEW)
    open_disputes = disputes_for(user).filter(state=Dispute.State.OPEN)
    return render(
        request,
        "quality/home.html",
        {
            "received": queries.reviews_received(user)[:20],
            "notifications": notify.recent_for(user),
            "queue": queries.queue_of(user)[:20] if reviewer else None,
            "drafts": queries.drafts_of(user)[:20],
            "disputes": open_disputes.order_by("-opened_at")[:20],
            "coaching": coaching.sessions_for(user).filter(person=user)[:5],
            "mine": queries.recently_handled(user)[:8],
            "is_reviewer": reviewer,
            "is_coach": can(user, QUALITY_COACH),
        },
    )


@requires(QUALITY_VIEW)
def person(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    if not sees_person(request.user, person):
        raise Http404("No such person.")
    now = timezone.now()
    quarter = reports.parse_quarter("", now=now)
    sessions = list(coaching.sessions_for(request.user).filter(person=person)[:12])
    coach = can(request.user, QUALITY_COACH) and person.pk != request.user.pk
    return render(
        request,
        "quality/person.html",
        {
            "person": person,
            "quarters": reports.person_quarters(request.user, person, quarter=quarter),
            "reviews": queries.reviews_received(person).filter(
                pk__in=reviews_for(request.user).values("pk")
            )[:30],
            "sessions": [(s, coaching.trend(s)) for s in sessions],
            "coaching_form": CoachingForm(
                people=User.objects.filter(pk=person.pk), initial={"person": person.pk}
            )
            if coach
            else None,
            "focus_choices": Criterion.objects.filter(version__in=published_versions())
            .select_related("version__scorecard")
            .order_by("version__scorecard__name", "section__position", "position")
            if coach
            else (),
        },
    )
