"""Instant acknowledgement: every new inbound request hears back at once, with its
reference and *when a person will answer*, from the policy and the team's calendar.

Never to automatic mail (RFC 3834 rules and the per-address rate limit of the mail
pipeline), and only when the team has it switched on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from servewell.commitments.models import ClockKind, SlaClock, TeamCommitments
from servewell.contacts import contacts
from servewell.contacts.models import ContactEmail
from servewell.core.jobs import job
from servewell.desk import customer_links
from servewell.desk.models import Channel, Conversation, Message, MessageKind

log = logging.getLogger(__name__)
ACK_CHANNELS = {Channel.EMAIL, Channel.WEB}


#: An acknowledgement answers "we have it" within moments. A request found later (an
#: imported backlog, the demo's history) has had its answer or will: none is sent.
ACK_WINDOW = timedelta(hours=1)


def settings_for(team_id: int) -> TeamCommitments:
    return TeamCommitments.objects.get_or_create(team_id=team_id)[0]


def apology_offer(request: Any, conversation: Conversation) -> dict[str, str] | None:
    """The composer's offer of the team's apology once a response target was missed (the
    ``composer`` panel): written into the page with the composer, not asked for by the
    page once it has loaded (a request more on every conversation opened)."""
    from servewell.commitments.sla import was_breached

    if not was_breached(conversation):
        return None
    return {"apology": settings_for(conversation.team_id).apology}


def answer_by_text(due: datetime, time_zone: str, now: datetime) -> str:
    """'today by 15:00', 'by Monday 10:00', 'by 2 January 10:00' in the team's zone."""
    tz = ZoneInfo(time_zone)
    local, today = due.astimezone(tz), now.astimezone(tz).date()
    zone = f" ({time_zone} time)"
    if local.date() == today:
        return f"today by {local:%H:%M}{zone}"
    if (local.date() - today).days < 7:
        return f"by {local:%A %H:%M}{zone}"
    return f"by {local.day} {local:%B %H:%M}{zone}"


def render(template: str, **values: str) -> str:
    """Fill {placeholders}; unknown ones stay as written rather than failing."""

    class Safe(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.format_map(Safe(values))


def acknowledge(conversation: Conversation, *, now: datetime) -> str:
    """Queue the acknowledgement; returns why not when it is not sent ("" when queued)."""
    return acknowledge_many([conversation], now=now)[conversation.pk]


def acknowledge_many(conversations: Sequence[Conversation], *, now: datetime) -> dict[int, str]:
    """``acknowledge`` for conversations opened together (mail filed in one batch): each
    query runs once for the batch, and one job sends the lot. {conversation: why not}."""
    from servewell.mail import loops

    reasons: dict[int, str] = {}
    settings_of: dict[int, TeamCommitments] = {}
    candidates = []
    for conversation in conversations:
        if conversation.channel not in ACK_CHANNELS:
            reasons[conversation.pk] = "Not an email or web request."
            continue
        if conversation.team_id not in settings_of:
            settings_of[conversation.team_id] = settings_for(conversation.team_id)
        if not settings_of[conversation.team_id].ack_enabled:
            reasons[conversation.pk] = "Acknowledgements are switched off for this team."
            continue
        candidates.append(conversation)
    firsts = _first_customer_messages([c.pk for c in candidates])
    addresses = _primary_addresses({c.contact_id for c in candidates})
    asking = []
    for conversation in candidates:
        first = firsts.get(conversation.pk)
        address = addresses.get(conversation.contact_id)
        if first is None or address is None:
            reasons[conversation.pk] = "No customer email address."
        elif first.created_at < now - ACK_WINDOW:
            reasons[conversation.pk] = (
                "Written too long ago: an acknowledgement now would only be noise."
            )
        else:
            asking.append((conversation, first, address))
    answers = loops.may_auto_reply_many([(first, address) for _, first, address in asking], now)
    to_send = []
    for (conversation, _, address), (allowed, reason) in zip(asking, answers, strict=True):
        reasons[conversation.pk] = reason
        if allowed:
            to_send.append((conversation.pk, address))
    if to_send:
        loops.record_auto_replies([address for _, address in to_send], now)
        if len(to_send) == 1:
            send_acknowledgement.enqueue(*to_send[0])
        else:
            send_acknowledgements.enqueue([list(item) for item in to_send])
    return reasons


def _first_customer_messages(conversation_ids: list[int]) -> dict[int, Message]:
    """The first customer message of each conversation (the one acknowledged)."""
    if not conversation_ids:
        return {}
    firsts = (
        Message.objects.filter(conversation_id__in=conversation_ids, kind=MessageKind.CUSTOMER)
        .order_by()
        .values("conversation_id")
        .annotate(first=Min("id"))
        .values_list("first", flat=True)
    )
    rows = Message.objects.filter(pk__in=list(firsts)).only(
        "pk", "conversation_id", "created_at", "inbound_id", "email_message_id"
    )
    return {m.conversation_id: m for m in rows}


def _primary_addresses(contact_ids: set[int]) -> dict[int, str]:
    """Each contact's address to write to: the primary one, else the oldest."""
    found: dict[int, str] = {}
    rows = (
        ContactEmail.objects.filter(contact_id__in=contact_ids)
        .order_by("contact_id", "-is_primary", "id")
        .values_list("contact_id", "address")
    )
    for contact_id, address in rows:
        found.setdefault(contact_id, address)
    return found


def promised_answer_by(conversation: Conversation, now: datetime) -> str | None:
    """The first-response promise the acknowledgement states. The clock starts in a job
    that may not have run yet, so without one it is worked out from the policy."""
    clock = None
    if conversation.pk is not None:  # a web request not filed yet has no clock
        clock = SlaClock.objects.filter(
            conversation=conversation, kind=ClockKind.FIRST_RESPONSE
        ).first()
    if clock is not None:
        due = clock.due_at
    else:
        from servewell.commitments import calendars, sla
        from servewell.commitments.clock import add_business_time

        policy = sla.policy_for(conversation.team_id, conversation.priority)
        minutes = policy.target_minutes(ClockKind.FIRST_RESPONSE) if policy else None
        if not minutes:
            return None
        cal = calendars.for_team(conversation.team_id)
        due = add_business_time(cal, conversation.created_at, minutes * 60)
    return answer_by_text(due, conversation.team.calendar.time_zone, now)


def compose(
    conversation: Conversation,
    now: datetime,
    *,
    team_settings: TeamCommitments | None = None,
    clock: SlaClock | None | bool = False,
) -> tuple[str, str]:
    """Subject and body of the acknowledgement. A batch passes the team's settings and
    the first-response clock (None: it has none) it read for all at once."""
    team = conversation.team
    team_settings = team_settings or settings_for(team.pk)
    if clock is False:
        clock = SlaClock.objects.filter(
            conversation=conversation, kind=ClockKind.FIRST_RESPONSE
        ).first()
    if clock:
        answer_by = answer_by_text(clock.due_at, team.calendar.time_zone, now)
    else:
        answer_by = "as soon as we can"
    name = conversation.contact.name or ""
    values = {
        "first_name": name.split()[0] if name.strip() else "there",
        "reference": f"[#{conversation.pk}]",
        "subject": conversation.subject,
        "team": team.name,
        "answer_by": answer_by,
    }
    # The customer's page: "{link}" places it in the team's text; otherwise it ends it.
    link = customer_links.page_url(conversation, now=now)
    body = render(team_settings.ack_body, **values, link=link)
    if link and link not in body:
        body += customer_links.email_paragraph(conversation, now=now, url=link)
    return render(team_settings.ack_subject, **values), body


@job(retries=5, retry_delay=20, lane="intake")
def send_acknowledgement(conversation_id: int, address: str) -> None:
    failed = _send([(conversation_id, address)])
    if failed:
        raise failed[0][1]


@job(retries=5, retry_delay=20, lane="intake")
def send_acknowledgements(items: list[list[Any]]) -> None:
    """The acknowledgements of a batch ([conversation id, address] pairs), read together
    and sent over one connection. One that fails goes to a job of its own, with its own
    retries; the others are sent and not sent again. The batch itself is retried only
    when it failed before sending any."""
    for (conversation_id, address), exc in _send([(int(c), str(a)) for c, a in items]):
        log.warning(
            "acknowledgement failed in its batch; retrying on its own",
            extra={"conversation": conversation_id, "error": str(exc)[:200]},
        )
        send_acknowledgement.enqueue(conversation_id, address)


def _send(items: list[tuple[int, str]]) -> list[tuple[tuple[int, str], Exception]]:
    """Send each acknowledgement and note it on its conversation; returns those that
    failed, with why. An address no longer on file is dropped, not failed."""
    by_id = Conversation.objects.select_related("team__calendar", "contact").in_bulk(
        [c for c, _ in items]
    )
    on_file = contacts.still_on_file_many(
        [(by_id[c].contact_id, a) for c, a in items if c in by_id]
    )
    clocks = {
        c.conversation_id: c
        for c in SlaClock.objects.filter(
            conversation__in=list(by_id), kind=ClockKind.FIRST_RESPONSE
        )
    }
    firsts = _first_customer_messages(list(by_id))
    settings_of: dict[int, TeamCommitments] = {}
    failed: list[tuple[tuple[int, str], Exception]] = []
    sent: list[tuple[Conversation, str, dict[str, Any]]] = []
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # the mail server is away: none sent, all to retry
        return [(item, exc) for item in items]
    try:
        for conversation_id, address in items:
            conversation = by_id.get(conversation_id)
            if conversation is None:
                failed.append(((conversation_id, address), Conversation.DoesNotExist()))
                continue
            if (conversation.contact_id, address) not in on_file:
                log.info(
                    "acknowledgement dropped: address no longer on file",
                    extra={"conversation": conversation_id},
                )
                continue
            team_id = conversation.team_id
            if team_id not in settings_of:
                settings_of[team_id] = settings_for(team_id)
            try:
                subject = _send_one(
                    conversation,
                    address,
                    firsts.get(conversation_id),
                    connection,
                    team_settings=settings_of[team_id],
                    clock=clocks.get(conversation_id),
                )
            except Exception as exc:  # reported to the caller: a job retries it
                failed.append(((conversation_id, address), exc))
            else:
                sent.append((conversation, "acknowledged", {"to": address, "subject": subject}))
    finally:
        connection.close()
        # Noted on their conversations together: one transaction, not one per email,
        # each of which waited its turn at the database's writer. Also when a later
        # one failed: what was sent is noted.
        from servewell.desk.events import record_activities

        with transaction.atomic():
            record_activities(sent)
    return failed


def _send_one(
    conversation: Conversation,
    address: str,
    first: Message | None,
    connection: Any,
    *,
    team_settings: TeamCommitments,
    clock: SlaClock | None,
) -> str:
    """Send one acknowledgement; returns its subject, for the conversation's activity."""
    subject, body = compose(conversation, timezone.now(), team_settings=team_settings, clock=clock)
    headers = {
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        "Precedence": "auto_reply",
    }
    if first is not None and first.email_message_id:
        headers["In-Reply-To"] = first.email_message_id
        headers["References"] = first.email_message_id
    sender = conversation.team.email or settings.DEFAULT_FROM_EMAIL
    EmailMessage(subject, body, sender, [address], headers=headers, connection=connection).send()
    return subject
