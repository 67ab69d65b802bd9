"""The team pulse: a periodic anonymous survey of each team.

Anonymity lives in the data (see ``models``): answers carry no person and no time, and
``PulseInvite`` (who may answer, who has) is written for every member when the round
opens, so it records no order of answering and shares no key with the answers.

Figures are shown only for *closed* rounds (a live count would show each answer as it
arrives) with at least ``k`` respondents; ``k`` is copied into the round when it opens
and never changes. Every aggregate over several rounds — a team over a period, all
teams together — is computed from shown rounds only, never from a suppressed one. So no
difference of shown figures (all teams minus the other teams, a period minus its other
rounds) can reveal a suppressed group: the suppressed answers are in none of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q

from servewell.core import audit, events
from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.experience.models import Again, PulseInvite, PulseResponse, PulseRound
from servewell.experience.surveys import settings_for
from servewell.people.models import Membership, Team, User

PULSE_ROUND_CLOSED = events.declare(
    "pulse.round_closed", "A team pulse round closed (figures only when k or more answered)."
)
K_MIN = 3
#: The largest threshold a round takes (the API's bound as well).
K_MAX = 100


class AlreadyAnswered(DomainError):
    status = 409

    def __init__(self) -> None:
        super().__init__("conflict", "You have answered this round already. Thank you!")


MAX_COMMENT = 3000


def open_round(
    actor: User | None, team: Team, *, now: datetime, k: int | None = None
) -> PulseRound:
    team_settings = settings_for(team.pk)
    k = team_settings.pulse_k if k is None else int(k)
    if not K_MIN <= k <= K_MAX:
        raise DomainError("invalid", f"The threshold k is between {K_MIN} and {K_MAX}.", field="k")
    if PulseRound.objects.filter(team=team, closed_at__isnull=True).exists():
        raise DomainError("conflict", f"{team} has a pulse round open already.")
    members = list(
        Membership.objects.filter(team=team, user__is_active=True).values_list("user_id", flat=True)
    )
    with transaction.atomic():
        pulse = PulseRound.objects.create(
            team=team,
            k=k,
            opened_at=now,
            invited=len(members),
            closes_at=now + timedelta(days=team_settings.pulse_open_days),
        )
        # Sorted by user, not by anything that happened: the rows say only who was asked.
        PulseInvite.objects.bulk_create(
            [PulseInvite(round=pulse, user_id=uid) for uid in sorted(members)]
        )
        audit.record(actor, "experience.pulse.opened", pulse, after={"team": team.pk, "k": k})
    return pulse


def open_round_for(user: User, round_id: int, *, now: datetime) -> PulseRound:
    pulse = PulseRound.objects.filter(pk=round_id).select_related("team").first()
    if pulse is None or not PulseInvite.objects.filter(round=pulse, user=user).exists():
        raise Forbidden("This pulse is for the members of its team only.")
    if pulse.closed_at is not None or now >= pulse.closes_at:
        raise DomainError("invalid", "This pulse round is closed.")
    return pulse


def answer(
    user: User,
    round_id: int,
    *,
    enps: object,
    again: str,
    supported: object,
    comment: str = "",
    now: datetime,
) -> None:
    """Record one anonymous answer. The invite is flipped with a conditional UPDATE whose
    row count is checked, so a double submit (or two tabs) records one answer."""
    pulse = open_round_for(user, round_id, now=now)
    values = _clean(enps, again, supported, comment)
    with transaction.atomic():
        if not PulseInvite.objects.filter(round=pulse, user=user, answered=False).update(
            answered=True
        ):
            raise AlreadyAnswered()
        PulseResponse.objects.create(round=pulse, **values)


def _int_in(raw: object, low: int, high: int, field: str) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise DomainError("invalid", f"Choose from {low} to {high}.", field=field)
    return value


def _clean(enps: object, again: str, supported: object, comment: str) -> dict:
    if again not in Again.values:
        raise DomainError("invalid", "Choose yes, not sure or no.", field="again")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError("invalid", f"At most {MAX_COMMENT} characters.", field="comment")
    return {
        "enps": _int_in(enps, 0, 10, "enps"),
        "again": again,
        "supported": _int_in(supported, 1, 5, "supported"),
        "comment": comment,
    }


def close_round(actor: User | None, pulse: PulseRound, *, now: datetime) -> PulseRound:
    with transaction.atomic():
        if not PulseRound.objects.filter(pk=pulse.pk, closed_at__isnull=True).update(closed_at=now):
            return pulse
        pulse.closed_at = now
        result = round_results([pulse])[0]
        audit.record(actor, "experience.pulse.closed", pulse, after={"shown": result.shown})
        events.publish(
            PULSE_ROUND_CLOSED,
            {
                "round": pulse.pk,
                "team": pulse.team_id,
                "shown": result.shown,
                "enps": result.enps,
                "again_yes": result.again_yes,
                "supported": result.supported,
            },
        )
    return pulse


def tick(*, now: datetime) -> dict[str, int]:
    """The periodic job: close rounds past their end, open rounds that are due."""
    closed = 0
    for pulse in PulseRound.objects.filter(closed_at__isnull=True, closes_at__lte=now):
        close_round(None, pulse, now=now)
        closed += 1
    opened = 0
    for team in Team.objects.filter(is_active=True):
        team_settings = settings_for(team.pk)
        if not team_settings.pulse_enabled:
            continue
        last = PulseRound.objects.filter(team=team).order_by("-opened_at").first()
        if last is None or (
            last.closed_at is not None
            and now - last.opened_at >= timedelta(days=team_settings.pulse_every_days)
        ):
            if Membership.objects.filter(team=team).count() >= K_MIN:
                open_round(None, team, now=now)
                opened += 1
    return {"opened": opened, "closed": closed}


# --- Results -------------------------------------------------------------------------------


@dataclass
class Result:
    """Figures of one group; ``shown`` False means no figure and no comment may appear."""

    label: str
    respondents: int = 0
    shown: bool = False
    enps: float | None = None
    again_yes: float | None = None
    supported: float | None = None
    comments: list[str] = field(default_factory=list)
    rounds: int = 0
    suppressed_rounds: int = 0
    round: PulseRound | None = None


def _figures(result: Result, rows: list[tuple[int, str, int]]) -> None:
    n = len(rows)
    promoters = sum(1 for e, _a, _s in rows if e >= 9)
    detractors = sum(1 for e, _a, _s in rows if e <= 6)
    result.enps = round(100.0 * (promoters - detractors) / n, 1)
    result.again_yes = round(100.0 * sum(1 for _e, a, _s in rows if a == Again.YES) / n, 1)
    result.supported = round(sum(s for _e, _a, s in rows) / n, 2)


def round_results(rounds: Iterable[PulseRound]) -> list[Result]:
    """One result per round: figures and comments only for a closed round with k or more
    respondents. Two queries whatever the number of rounds."""
    rounds = list(rounds)
    counts = dict(
        PulseResponse.objects.filter(round__in=rounds)
        .values("round")
        .annotate(n=Count("id"))
        .values_list("round", "n")
    )
    shown_ids = [r.pk for r in rounds if r.closed_at is not None and counts.get(r.pk, 0) >= r.k]
    rows: dict[int, list] = {pk: [] for pk in shown_ids}
    comments: dict[int, list[str]] = {pk: [] for pk in shown_ids}
    for round_id, enps, again, supported, comment in (
        PulseResponse.objects.filter(round_id__in=shown_ids)
        .order_by("id")  # random ids: the order says nothing about who answered when
        .values_list("round_id", "enps", "again", "supported", "comment")
    ):
        rows[round_id].append((enps, again, supported))
        if comment:
            comments[round_id].append(comment)
    out = []
    for r in rounds:
        result = Result(label=f"{r.closed_at or r.opened_at:%d %b %Y}", round=r, rounds=1)
        result.respondents = counts.get(r.pk, 0)
        if r.pk in rows:
            result.shown = True
            _figures(result, rows[r.pk])
            result.comments = comments[r.pk]
        else:
            result.suppressed_rounds = 1
        out.append(result)
    return out


def aggregate(label: str, rounds: Iterable[PulseRound]) -> Result:
    """Figures over several rounds, from the shown rounds only (see the module's
    docstring): a suppressed round adds nothing, so nothing can be subtracted out."""
    results = round_results(rounds)
    shown = [r for r in results if r.shown]
    out = Result(label=label, rounds=len(results), suppressed_rounds=len(results) - len(shown))
    if not shown:
        return out
    ids = [r.round.pk for r in shown]
    rows = list(
        PulseResponse.objects.filter(round_id__in=ids).values_list("enps", "again", "supported")
    )
    out.shown, out.respondents = True, len(rows)
    _figures(out, rows)
    return out


def closed_rounds(team_ids: list[int] | None, start: datetime, end: datetime):
    qs = PulseRound.objects.filter(closed_at__gte=start, closed_at__lt=end).select_related("team")
    if team_ids is not None:
        qs = qs.filter(team_id__in=team_ids)
    return qs.order_by("closed_at", "id")


def by_team(
    team_ids: list[int] | None, start: datetime, end: datetime
) -> tuple[list[Result], Result]:
    """One result per team over the period, and all teams together (shown rounds only)."""
    rounds = list(closed_rounds(team_ids, start, end))
    teams: dict[int, list[PulseRound]] = {}
    for r in rounds:
        teams.setdefault(r.team_id, []).append(r)
    rows = [aggregate(str(rs[0].team), rs) for rs in teams.values()]
    return sorted(rows, key=lambda r: r.label), aggregate("All teams (shown rounds only)", rounds)


def open_rounds_for(user: User, *, now: datetime) -> list[PulseRound]:
    """Rounds ``user`` is invited to and has not answered yet."""
    return list(
        PulseRound.objects.filter(
            Q(invites__user=user, invites__answered=False),
            closed_at__isnull=True,
            closes_at__gt=now,
        ).select_related("team")
    )
