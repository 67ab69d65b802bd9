"""A contact's erasure: survey comments and addresses go; scores stay, anonymised (no
contact, no comment), so the team's figures do not change retroactively."""

from __future__ import annotations

from typing import Any

from servewell.experience.models import ResponseRevision, Survey, SurveyResponse


def erase_contact_surveys(erasure: Any) -> None:
    surveys = Survey.objects.filter(contact_id__in=erasure.contact_ids)
    responses = SurveyResponse.objects.filter(survey__in=surveys)
    erasure.counts["survey_comments"] = responses.exclude(comment="").count()
    ResponseRevision.objects.filter(response__in=responses).update(comment="")
    responses.update(comment="", contact=None)
    surveys.filter(state=Survey.State.SCHEDULED).update(
        state=Survey.State.SKIPPED, skip_reason="The contact was erased."
    )
    erasure.counts["surveys"] = surveys.update(address="", contact=None)
