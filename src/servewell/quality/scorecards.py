"""Scorecards and their versions: drafting, editing the draft, publishing.

A published version is frozen: every review points at the version it used, so changing a
published version would silently rewrite the meaning of past scores. Editing a scorecard
therefore means drafting its next version (a copy of the latest published one, criteria
keeping their ``key``) and publishing that. A scorecard has at most one draft at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from servewell.core import audit, events
from servewell.core.errors import DomainError
from servewell.quality.models import Criterion, Scale, Scorecard, ScorecardVersion, Section

SCORECARD_PUBLISHED = events.declare(
    "quality.scorecard.published", "A new version of a quality scorecard was published."
)
CRITERION_FIELDS = ("title", "description", "weight", "scale", "na_allowed", "critical")


def _clean_name(value: str, field: str, limit: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise DomainError("invalid", "This field is required.", field=field)
    if len(value) > limit:
        raise DomainError("invalid", f"At most {limit} characters.", field=field)
    return value


def create_scorecard(
    actor: Any,
    *,
    name: str,
    now: datetime,
    description: str = "",
    sections: Iterable[Mapping[str, Any]] = (),
) -> Scorecard:
    """A scorecard with a first draft; ``sections`` (title + criteria) fill the draft."""
    name = _clean_name(name, "name", 120)
    with transaction.atomic():
        if Scorecard.objects.filter(name__iexact=name).exists():
            raise DomainError("duplicate", "A scorecard with this name exists.", field="name")
        card = Scorecard.objects.create(
            name=name, description=description or "", created_by=_user(actor), created_at=now
        )
        draft = ScorecardVersion.objects.create(scorecard=card, number=1, created_at=now)
        for section in sections:
            made = add_section(actor, draft, title=section.get("title", ""))
            for criterion in section.get("criteria", ()):
                add_criterion(actor, made, **criterion)
        audit.record(actor, "quality.scorecard.created", card, after={"name": name})
    return card


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def latest_published(scorecard: Scorecard) -> ScorecardVersion | None:
    return (
        scorecard.versions.filter(state=ScorecardVersion.State.PUBLISHED)
        .order_by("-number")
        .first()
    )


def draft_of(scorecard: Scorecard) -> ScorecardVersion | None:
    return scorecard.versions.filter(state=ScorecardVersion.State.DRAFT).first()


def start_draft(actor: Any, scorecard: Scorecard, *, now: datetime) -> ScorecardVersion:
    """The scorecard's draft; a new one copied from the latest published version if none."""
    with transaction.atomic():
        Scorecard.objects.select_for_update().get(pk=scorecard.pk)
        existing = draft_of(scorecard)
        if existing:
            return existing
        source = latest_published(scorecard)
        number = (scorecard.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            draft = ScorecardVersion.objects.create(
                scorecard=scorecard, number=number, created_at=now
            )
        except IntegrityError:
            raise DomainError("conflict", "A draft was started at the same time.") from None
        if source:
            _copy(source, draft)
        audit.record(actor, "quality.scorecard.drafted", draft, after={"number": number})
    return draft


def _copy(source: ScorecardVersion, target: ScorecardVersion) -> None:
    for section in source.sections.prefetch_related("criteria"):
        copy = Section.objects.create(
            version=target, title=section.title, position=section.position
        )
        Criterion.objects.bulk_create(
            Criterion(
                version=target,
                section=copy,
                key=c.key,
                position=c.position,
                **{f: getattr(c, f) for f in CRITERION_FIELDS},
            )
            for c in section.criteria.all()
        )


def _editable(version: ScorecardVersion) -> None:
    if version.state != ScorecardVersion.State.DRAFT:
        raise DomainError(
            "conflict", "A published version never changes; start a new draft to edit it."
        )


def add_section(actor: Any, version: ScorecardVersion, *, title: str) -> Section:
    _editable(version)
    title = _clean_name(title, "title", 120)
    position = (version.sections.aggregate(p=Max("position"))["p"] or 0) + 1
    return Section.objects.create(version=version, title=title, position=position)


def rename_section(actor: Any, section: Section, *, title: str) -> Section:
    _editable(section.version)
    section.title = _clean_name(title, "title", 120)
    section.save(update_fields=["title"])
    return section


def remove_section(actor: Any, section: Section) -> None:
    _editable(section.version)
    section.delete()


def _criterion_values(data: Mapping[str, Any], partial: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "title" in data or not partial:
        values["title"] = _clean_name(data.get("title", ""), "title", 200)
    if "description" in data:
        values["description"] = str(data["description"] or "")
    if "weight" in data or not partial:
        weight = data.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
            raise DomainError("invalid", "A weight is a whole number 0-100.", field="weight")
        values["weight"] = weight
    if "scale" in data or not partial:
        scale = data.get("scale", Scale.YES_NO)
        if scale not in Scale.values:
            raise DomainError("invalid", f"Unknown scale {scale!r}.", field="scale")
        values["scale"] = scale
    for flag in ("na_allowed", "critical"):
        if flag in data:
            values[flag] = bool(data[flag])
    return values


def add_criterion(actor: Any, section: Section, **data: Any) -> Criterion:
    version = section.version
    _editable(version)
    values = _criterion_values(data)
    position = (section.criteria.aggregate(p=Max("position"))["p"] or 0) + 1
    return Criterion.objects.create(
        version=version, section=section, key=uuid.uuid4().hex[:12], position=position, **values
    )


def update_criterion(actor: Any, criterion: Criterion, **data: Any) -> Criterion:
    _editable(criterion.version)
    values = _criterion_values(data, partial=True)
    for name, value in values.items():
        setattr(criterion, name, value)
    criterion.save(update_fields=list(values) or None)
    return criterion


def remove_criterion(actor: Any, criterion: Criterion) -> None:
    _editable(criterion.version)
    criterion.delete()


def publish(actor: Any, version: ScorecardVersion, *, now: datetime) -> ScorecardVersion:
    """Freeze the draft. It must ask something, and something must weigh."""
    with transaction.atomic():
        version = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
        _editable(version)
        criteria = list(version.criteria.all())
        if not criteria:
            raise DomainError("invalid", "Add at least one criterion before publishing.")
        if sum(c.weight for c in criteria) == 0:
            raise DomainError("invalid", "At least one criterion must have a weight.")
        version.state = ScorecardVersion.State.PUBLISHED
        version.published_at = now
        version.published_by = _user(actor)
        version.save(update_fields=["state", "published_at", "published_by"])
        audit.record(
            actor,
            "quality.scorecard.published",
            version,
            after={"number": version.number, "criteria": len(criteria)},
        )
        events.publish(
            SCORECARD_PUBLISHED,
            {"scorecard": version.scorecard_id, "version": version.pk, "number": version.number},
        )
    return version
