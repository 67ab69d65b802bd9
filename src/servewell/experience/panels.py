"""Blocks on other apps' pages: a contact's ratings, a person's CSAT and kudos."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from servewell.contacts.models import Contact
from servewell.core.access import can
from servewell.experience import queries
from servewell.experience.access import EXPERIENCE_REPORTS


def contact_ratings(request: Any, contact: Contact) -> dict | None:
    return {
        "responses": queries.responses_for_contact_and_merged(contact.pk, limit=queries.PANEL_LIMIT)
    }


def person_experience(request: Any, person: Any) -> dict | None:
    if request.user.pk != person.pk and not can(request.user, EXPERIENCE_REPORTS):
        return None
    trend = queries.csat_trend_for_person(person, months=6, now=timezone.now())
    n = sum(t[2] for t in trend)
    good = sum(round((t[1] or 0) * t[2] / 100) for t in trend)
    return {
        "trend": trend,
        "csat": queries.share(good, n),
        "responses": n,
        "kudos": queries.kudos_for(person, limit=5),
    }
