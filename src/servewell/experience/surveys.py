"""Customer surveys: scheduled when a conversation is solved, sent by a periodic sweep
after the team's delay, answered through a signed link.

Mail scanners open links, so a GET never records: the link opens a page with the rating
preselected and only that page's POST records. One response per survey, enforced by the
database (``SurveyResponse.survey`` is one-to-one): two answers posted at once leave one
row, the second becomes a change. Every answer is kept as a revision.

Never surveyed: automatic senders (the desk's RFC 3834 rules in ``mail.loops``),
erased contacts (no address is left on file), and addresses that unsubscribed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from servewell.core import events
from servewell.core.errors import DomainError
from servewell.desk.models import Conversation, Message, MessageKind, Status
from servewell.experience import rollup, tokens
from servewell.experience.models import (
    Again,
    ExperienceSettings,
    ResponseRevision,
    Survey,
    SurveyKind,
    SurveyResponse,
    Unsubscribe,
)

log = logging.getLogger(__name__)

SURVEY_RESPONDED = events.declare(
    "survey.responded", "A customer answered (or changed their answer to) a survey."
)
SCORES = {SurveyKind.CSAT: range(1, 6), SurveyKind.NPS: range(0, 11)}
MAX_COMMENT = 5000
BATCH = 500


class LinkError(DomainError):
    """A survey link that cannot be answered: unknown (404) or no longer valid (410)."""

    def __init__(self, message: str, status: int = 404):
        super().__init__("not_found", message)
        self.status = status


def settings_for(team_id: int, cache: dict | None = None) -> ExperienceSettings:
    """A team's settings (defaults when it has no row); ``cache`` saves the query per
    survey in a sweep."""
    if cache is not None and team_id in cache:
        return cache[team_id]
    found = ExperienceSettings.objects.filter(team_id=team_id).first()
    found = found or ExperienceSettings(team_id=team_id)
    if cache is not None:
        cache[team_id] = found
    return found


def handler_id(conversation: Conversation) -> int | None:
    """The assignee, else whoever replied last: the person the rating is about."""
    if conversation.assignee_id:
        return conversation.assignee_id
    return (
        Message.objects.filter(
            conversation=conversation, kind=MessageKind.REPLY, author__isnull=False
        )
        .order_by("-created_at", "-id")
        .values_list("author_id", flat=True)
        .first()
    )


# --- Scheduling ---------------------------------------------------------------------------


def schedule_survey(conversation_id: int, *, now: datetime) -> Survey | None:
    """Schedule the CSAT survey of a solve (idempotent: one per conversation and solve).
    Unanswered surveys of earlier solves are superseded: their links stop working."""
    with transaction.atomic():
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None or conversation.solved_at is None or conversation.merged_into_id:
            return None
        team_settings = settings_for(conversation.team_id)
        if not team_settings.surveys_enabled:
            return None
        existing = Survey.objects.filter(
            conversation=conversation, kind=SurveyKind.CSAT, solved_at=conversation.solved_at
        ).first()
        if existing is not None:
            return existing
        Survey.objects.filter(
            conversation=conversation, state__in=[Survey.State.SCHEDULED, Survey.State.SENT]
        ).filter(response__isnull=True).update(state=Survey.State.SUPERSEDED)
        delay = timedelta(minutes=team_settings.survey_delay_minutes)
        try:
            with transaction.atomic():
                return Survey.objects.create(
                    kind=SurveyKind.CSAT,
                    conversation=conversation,
                    contact_id=conversation.contact_id,
                    team_id=conversation.team_id,
                    handler_id=handler_id(conversation),
                    solved_at=conversation.solved_at,
                    created_at=now,
                    due_at=conversation.solved_at + delay,
                )
        except IntegrityError:  # the same solve scheduled at once by another worker
            return Survey.objects.get(conversation=conversation, solved_at=conversation.solved_at)


# --- Sending ------------------------------------------------------------------------------


@dataclass
class Outgoing:
    survey: Survey
    token: str
    nps: Survey | None = None
    nps_token: str = ""


@dataclass
class Batch:
    """What the sweep reads once for a whole batch instead of once per survey."""

    now: datetime
    settings: dict = field(default_factory=dict)
    unsubscribed: set[str] = field(default_factory=set)
    asked: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (contact, team) -> last
    nps_asked: set[int] = field(default_factory=set)
    headers: dict[int, str] = field(default_factory=dict)  # conversation -> why not (headers)
    addresses: dict[str, str] = field(default_factory=dict)  # address -> why not (loops)
    rollup: dict[tuple, int] = field(default_factory=dict)
    emails: dict[int, str] | None = None  # contact -> address to survey (read per batch)

    @classmethod
    def read(cls, surveys: list[Survey], now: datetime, cache: dict | None = None) -> Batch:
        from servewell.mail import loops

        batch = cls(now, cache if cache is not None else {})
        contacts = [s.contact_id for s in surveys if s.contact_id]
        batch.emails = _emails(contacts)
        longest = max(
            (settings_for(s.team_id, batch.settings).contact_interval_days for s in surveys),
            default=7,
        )
        for c, t, at in Survey.objects.filter(
            contact_id__in=contacts,
            kind=SurveyKind.CSAT,
            state=Survey.State.SENT,
            sent_at__gt=now - timedelta(days=longest),
        ).values_list("contact_id", "team_id", "sent_at"):
            batch.ask(c, t, at)
        nps_days = max(
            (settings_for(s.team_id, batch.settings).nps_interval_days for s in surveys), default=90
        )
        batch.nps_asked = set(
            Survey.objects.filter(
                contact_id__in=contacts,
                kind=SurveyKind.NPS,
                sent_at__gt=now - timedelta(days=nps_days),
            ).values_list("contact_id", flat=True)
        )
        addresses = [a for s in surveys if (a := _address(s, batch))]
        digests = [tokens.address_digest(a) for a in addresses]
        batch.unsubscribed = set(
            Unsubscribe.objects.filter(address_hash__in=digests).values_list(
                "address_hash", flat=True
            )
        )
        batch.headers = _header_reasons([s.conversation_id for s in surveys])
        batch.addresses = loops.address_reasons(addresses)
        return batch

    def ask(self, contact_id: int, team_id: int, at: datetime) -> None:
        key = (contact_id, team_id)
        self.asked[key] = max(at, self.asked.get(key, at))

    def recently_asked(self, survey: Survey, interval: timedelta) -> bool:
        last = self.asked.get((survey.contact_id, survey.team_id))
        return last is not None and last > self.now - interval


def _header_reasons(conversation_ids: list[int]) -> dict[int, str]:
    """The RFC 3834 verdict (``mail.loops``) on each conversation's first customer
    email: automatic senders, lists and bounces are never surveyed."""
    from servewell.mail import loops

    firsts: dict[int, int | None] = {}
    for conversation_id, inbound_id in (
        Message.objects.filter(conversation_id__in=conversation_ids, kind=MessageKind.CUSTOMER)
        .order_by("conversation_id", "-id")
        .values_list("conversation_id", "inbound_id")
    ):
        firsts[conversation_id] = inbound_id  # the lowest id wins: rows come newest first
    stored = loops.stored_header_reasons(i for i in firsts.values() if i)
    reasons = {}
    for conversation_id, inbound_id in firsts.items():
        if inbound_id is None or inbound_id not in stored:
            continue
        reason, source = stored[inbound_id]
        if source.startswith("import:"):
            reason = "Imported mail is history: it gets no survey."
        reasons[conversation_id] = reason
    return reasons


def skip_reason(survey: Survey, address: str | None, batch: Batch) -> str:
    """Why this survey must not go out ("" when it may)."""
    from servewell.mail import loops

    conversation = survey.conversation
    if conversation is None or conversation.status not in (Status.SOLVED, Status.CLOSED):
        return "The conversation was reopened."
    if conversation.solved_at != survey.solved_at:
        return "The conversation was solved again since."
    if not address:
        return "No customer email address (erased or never given)."
    if tokens.address_digest(address) in batch.unsubscribed:
        return "The customer unsubscribed from surveys."
    days = settings_for(survey.team_id, batch.settings).contact_interval_days
    if batch.recently_asked(survey, timedelta(days=days)):
        return f"This contact was asked less than {days} days ago."
    if address not in batch.addresses:  # a caller that built its own batch
        batch.addresses.update(loops.address_reasons([address]))
    return batch.headers.get(survey.conversation_id) or batch.addresses[address]


def _emails(contact_ids: list[int]) -> dict[int, str]:
    """Each contact's address to survey (the primary one, else the oldest), in one read
    of plain values: no model or related manager per address."""
    from servewell.contacts.models import ContactEmail

    found: dict[int, str] = {}
    for contact_id, address in (
        ContactEmail.objects.filter(contact_id__in=contact_ids)
        .order_by("contact_id", "-is_primary", "id")
        .values_list("contact_id", "address")
    ):
        found.setdefault(contact_id, address)
    return found


def _address(survey: Survey, batch: Batch | None = None) -> str | None:
    if survey.contact_id is None:
        return None
    if batch is not None and batch.emails is not None:
        return batch.emails.get(survey.contact_id)
    return _emails([survey.contact_id]).get(survey.contact_id)


def _count(batch: Batch, kind: str, survey: Survey) -> None:
    person = survey.handler_id if kind == SurveyKind.CSAT else None
    key = (kind, survey.team_id, person, rollup.month_of(batch.now))
    batch.rollup[key] = batch.rollup.get(key, 0) + 1


def prepare(survey: Survey, batch: Batch) -> Outgoing | None:
    """Decide on one due survey of a claimed batch: a link (the caller saves and mails
    it) or a reason to skip. The demo calls this and mails nothing."""
    address = _address(survey, batch)
    reason = skip_reason(survey, address, batch)
    if reason:
        survey.state, survey.skip_reason = Survey.State.SKIPPED, reason[:200]
        return None
    team_settings = settings_for(survey.team_id, batch.settings)
    token, survey.token_hash = tokens.new_token()
    survey.state, survey.sent_at, survey.address = Survey.State.SENT, batch.now, address
    survey.expires_at = batch.now + timedelta(days=team_settings.link_days)
    batch.ask(survey.contact_id, survey.team_id, batch.now)
    _count(batch, SurveyKind.CSAT, survey)
    out = Outgoing(survey, token)
    if survey.contact_id not in batch.nps_asked:
        batch.nps_asked.add(survey.contact_id)
        out.nps_token, digest = tokens.new_token()
        out.nps = Survey(
            kind=SurveyKind.NPS,
            state=Survey.State.SENT,
            conversation_id=survey.conversation_id,
            contact_id=survey.contact_id,
            team_id=survey.team_id,
            handler_id=survey.handler_id,
            address=address,
            token_hash=digest,
            created_at=batch.now,
            due_at=batch.now,
            sent_at=batch.now,
            expires_at=survey.expires_at,
        )
        _count(batch, SurveyKind.NPS, out.nps)
    return out


SAVED = ["state", "skip_reason", "token_hash", "sent_at", "expires_at", "address"]


def claim_and_prepare(surveys: list[Survey], now: datetime, cache: dict | None = None):
    """Inside the caller's transaction: decide on every survey of the batch and save the
    decisions in a few statements. The batch was read ``select_for_update(skip_locked)``
    (PostgreSQL: two sweeps take different rows; SQLite: one writer at a time)."""
    batch = Batch.read(surveys, now, cache)
    outgoing = [o for s in surveys if (o := prepare(s, batch)) is not None]
    _save_decisions(surveys)
    _insert_nps([o.nps for o in outgoing if o.nps is not None])
    rollup.add_sent(batch.rollup)
    return outgoing


def _save_decisions(surveys: list[Survey]) -> None:
    """One prepared UPDATE run for every row (``bulk_update`` builds a CASE per field
    per row, which cost more than everything else the sweep does)."""
    table = connection.ops.quote_name(Survey._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in SAVED)
    fields = [Survey._meta.get_field(name) for name in SAVED]
    seen: dict = {}
    rows = [[*_prepared(s, fields, seen), s.pk] for s in surveys]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)  # noqa: S608


def _prepared(survey: Survey, fields: list, seen: dict) -> list:
    """The row's values as the database takes them. A batch shares a few distinct times
    (now, the expiry of each team's links): each is converted once, not once per row."""
    out = []
    for f in fields:
        value = getattr(survey, f.attname)
        if isinstance(value, datetime):
            key = (f.attname, value)
            if key not in seen:
                seen[key] = f.get_db_prep_save(value, connection)
            out.append(seen[key])
        else:
            out.append(f.get_db_prep_save(value, connection))
    return out


NPS_COLUMNS = [
    "kind",
    "state",
    "conversation_id",
    "contact_id",
    "team_id",
    "handler_id",
    "address",
    "token_hash",
    "created_at",
    "due_at",
    "sent_at",
    "expires_at",
    "skip_reason",
]


def _insert_nps(rows: list[Survey]) -> None:
    """The NPS surveys that ride along, in one prepared INSERT run for every row
    (``bulk_create`` compiles every field of every row, which cost as much as the rest of
    the batch; these rows need no primary key back)."""
    if not rows:
        return
    table = connection.ops.quote_name(Survey._meta.db_table)
    fields = [Survey._meta.get_field(name) for name in NPS_COLUMNS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    seen: dict = {}
    values = [_prepared(s, fields, seen) for s in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608


def send_due_surveys(*, now: datetime, limit: int = 10_000) -> int:
    """Send what is due, a batch per transaction; a batch whose mail fails to go out is
    rolled back and stays due for the next sweep. Returns how many were sent."""
    sent, done, cache = 0, 0, {}
    while done < limit:
        with transaction.atomic():
            batch = list(
                Survey.objects.filter(state=Survey.State.SCHEDULED, due_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("conversation__team", "contact")
                .order_by("due_at", "id")[: min(BATCH, limit - done)]
            )
            if not batch:
                break
            outgoing = claim_and_prepare(batch, now, cache)
            if outgoing:
                with get_connection() as mailer:
                    mailer.send_messages([compose(o) for o in outgoing])
        done += len(batch)
        sent += len(outgoing)
    return sent


def link(token: str, suffix: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/s/{token}/{suffix}/"


def compose(out: Outgoing) -> EmailMultiAlternatives:
    from servewell.mail import outbound

    survey = out.survey
    conversation = survey.conversation
    name = (survey.contact.name or "").split()
    hello = f"Hello {name[0]}," if name else "Hello,"
    ratings = [(n, link(out.token, str(n))) for n in SCORES[SurveyKind.CSAT]]
    lines = [hello, "", f"How did we do with your request {conversation.reference}?", ""]
    lines += [f"  {n} {'★' * n}: {url}" for n, url in ratings]
    nps = [(n, link(out.nps_token, str(n))) for n in SCORES[SurveyKind.NPS]] if out.nps else []
    if nps:
        lines += ["", "How likely are you to recommend us to a friend (0-10)?", ""]
        lines += [f"  {n}: {url}" for n, url in nps]
    unsubscribe = link(out.token, "unsubscribe")
    lines += [
        "",
        "One click is enough; you can add a comment on the next page.",
        f"No more surveys from us: {unsubscribe}",
    ]
    html = _html(hello, conversation.reference, ratings, nps, unsubscribe)
    message = EmailMultiAlternatives(
        f"How did we do? [#{conversation.pk}]",
        "\n".join(lines),
        outbound.sender_address(conversation),
        [survey.address],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _html(hello: str, reference: str, ratings: list, nps: list, unsubscribe: str) -> str:
    buttons = " ".join(f'<a href="{escape(u)}">{n}</a>' for n, u in ratings)
    parts = [
        f"<p>{escape(hello)}</p><p>How did we do with your request {escape(reference)}?"
        f" (1 = poor, 5 = great)</p><p>{buttons}</p>"
    ]
    if nps:
        row = " ".join(f'<a href="{escape(u)}">{n}</a>' for n, u in nps)
        parts.append(f"<p>How likely are you to recommend us (0-10)?</p><p>{row}</p>")
    parts.append(f'<p><small><a href="{escape(unsubscribe)}">No more surveys</a></small></p>')
    return "".join(parts)


# --- Answering ----------------------------------------------------------------------------


def survey_for_token(token: str, *, now: datetime) -> Survey:
    """The survey a link opens, or a ``LinkError`` that says why not."""
    if not tokens.well_formed(token):
        raise LinkError("This survey link is not valid. Please use the link from the email.")
    # the response rides along: the page shows it, and a change skips the failed insert
    survey = (
        Survey.objects.select_related("response").filter(token_hash=tokens.digest(token)).first()
    )
    if survey is None:
        raise LinkError("This survey link is not valid. Please use the link from the email.")
    if survey.state == Survey.State.SUPERSEDED:
        raise LinkError("This survey was replaced by a newer one.", status=410)
    if survey.state != Survey.State.SENT or survey.expires_at is None:
        raise LinkError("This survey link is not valid.", status=410)
    if now >= survey.expires_at:
        raise LinkError("This survey link has expired. Thank you all the same.", status=410)
    return survey


def parse_score(kind: str, raw: object) -> int:
    try:
        score = int(str(raw).strip())
    except (TypeError, ValueError):
        raise DomainError("invalid", "Choose a rating.", field="score") from None
    if score not in SCORES[kind]:
        low, high = SCORES[kind][0], SCORES[kind][-1]
        raise DomainError("invalid", f"Choose a rating from {low} to {high}.", field="score")
    return score


def record_answer(
    token: str, *, score: object, comment: str = "", would_return: str = "", now: datetime
) -> SurveyResponse:
    """Record or change the answer; one response per survey, every answer kept."""
    survey = survey_for_token(token, now=now)
    value = parse_score(survey.kind, score)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError("invalid", f"At most {MAX_COMMENT} characters.", field="comment")
    if would_return not in ("", *Again.values):
        raise DomainError("invalid", "Choose yes, not sure or no.", field="would_return")
    from servewell.experience import recovery

    with transaction.atomic():
        response, previous = _upsert(survey, value, comment, would_return, now)
        ResponseRevision.objects.create(
            response=response,
            revision=response.revision,
            score=value,
            would_return=would_return,
            comment=comment,
            at=now,
        )
        month = response.month
        base = {
            "kind": survey.kind,
            "team_id": survey.team_id,
            "person_id": survey.handler_id,
            "month": month,
        }
        if previous is not None:
            rollup.bump(**base, sign=-1, **rollup.score_counts(survey.kind, previous))
        rollup.bump(**base, **rollup.score_counts(survey.kind, value))
        if response.negative:
            recovery.open_recovery(response, now=now)
        events.publish(SURVEY_RESPONDED, _payload(response, changed=previous is not None))
    return response


def _upsert(
    survey: Survey, value: int, comment: str, would_return: str, now: datetime
) -> tuple[SurveyResponse, int | None]:
    from servewell.experience.sentiment import reads_negative

    low = survey.kind == SurveyKind.CSAT and value <= 2
    negative = low or reads_negative(comment)
    fields = {
        "score": value,
        "comment": comment,
        "would_return": would_return,
        "negative": negative,
        "updated_at": now,
    }
    if _answered(survey):
        return _change(survey, fields)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey,
                kind=survey.kind,
                conversation_id=survey.conversation_id,
                contact_id=survey.contact_id,
                team_id=survey.team_id,
                handler_id=survey.handler_id,
                month=rollup.month_of(now),
                responded_at=now,
                **fields,
            )
            return response, None
    except IntegrityError:  # answered a moment ago, in another request: a change
        return _change(survey, fields)


def _answered(survey: Survey) -> bool:
    try:
        return survey.response is not None
    except SurveyResponse.DoesNotExist:
        return False


def _change(survey: Survey, fields: dict) -> tuple[SurveyResponse, int]:
    response = SurveyResponse.objects.select_for_update().get(survey=survey)
    previous = response.score
    for name, value_ in fields.items():
        setattr(response, name, value_)
    response.revision += 1
    response.save(update_fields=[*fields, "revision"])
    return response, previous


def _payload(response: SurveyResponse, **extra: object) -> dict:
    return {
        "survey": response.survey_id,
        "kind": response.kind,
        "score": response.score,
        "would_return": response.would_return,
        "negative": response.negative,
        "conversation": response.conversation_id,
        "team": response.team_id,
        "handler": response.handler_id,
        "responded_at": response.responded_at.isoformat(),
        **extra,
    }


def unsubscribe(token: str, *, now: datetime) -> None:
    """Stop all surveys to the survey's address (the link works after expiry too)."""
    if not tokens.well_formed(token):
        raise LinkError("This link is not valid.")
    survey = Survey.objects.filter(token_hash=tokens.digest(token)).first()
    if survey is None or not survey.address:
        raise LinkError("This link is not valid.")
    with transaction.atomic():
        Unsubscribe.objects.get_or_create(
            address_hash=tokens.address_digest(survey.address), defaults={"at": now}
        )
        Survey.objects.filter(
            Q(contact_id=survey.contact_id) | Q(address=survey.address),
            state=Survey.State.SCHEDULED,
        ).update(state=Survey.State.SKIPPED, skip_reason="The customer unsubscribed.")
