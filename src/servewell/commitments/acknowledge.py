"""Instant acknowledgement: every new inbound request hears back at once, with its
reference and *when a person will answer*, from the policy and the team's calendar.

Never to automatic mail (RFC 3834 rules and the per-address rate limit of the mail
pipeline), and only when the team has it switched on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from servewell.commitments.models import ClockKind, SlaClock, TeamCommitments
from servewell.contacts import contacts
from servewell.core.jobs import job
from servewell.desk import customer_links
from servewell.desk.models import Channel, Conversation, MessageKind

log = logging.getLogger(__name__)
ACK_CHANNELS = {Channel.EMAIL, Channel.WEB}


#: An acknowledgement answers "we have it" within moments. A request found later (an
#: imported backlog, the demo's history) has had its answer or will: none is sent.
ACK_WINDOW = timedelta(hours=1)


def settings_for(team_id: int) -> TeamCommitments:
    return TeamCommitments.objects.get_or_create(team_id=team_id)[0]


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
    from servewell.mail import loops

    if conversation.channel not in ACK_CHANNELS:
        return "Not an email or web request."
    team_settings = settings_for(conversation.team_id)
    if not team_settings.ack_enabled:
        return "Acknowledgements are switched off for this team."
    first = conversation.messages.filter(kind=MessageKind.CUSTOMER).order_by("id").first()
    address = conversation.contact.emails.order_by("-is_primary", "id").first()
    if first is None or address is None:
        return "No customer email address."
    if first.created_at < now - ACK_WINDOW:
        return "Written too long ago: an acknowledgement now would only be noise."
    allowed, reason = loops.may_auto_reply(first, address.address, now)
    if not allowed:
        return reason
    loops.record_auto_reply(address.address, now)
    send_acknowledgement.enqueue(conversation.pk, address.address)
    return ""


def promised_answer_by(conversation: Conversation, now: datetime) -> str | None:
    """The first-response promise the acknowledgement states. The clock starts in a job
    that may not have run yet, so without one it is worked out from the policy."""
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


def compose(conversation: Conversation, now: datetime) -> tuple[str, str]:
    team = conversation.team
    team_settings = settings_for(team.pk)
    clock = SlaClock.objects.filter(
        conversation=conversation, kind=ClockKind.FIRST_RESPONSE
    ).first()
    if clock is not None:
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
        body += customer_links.email_paragraph(conversation, now=now)
    return render(team_settings.ack_subject, **values), body


@job(retries=5, retry_delay=20)
def send_acknowledgement(conversation_id: int, address: str) -> None:
    conversation = Conversation.objects.select_related("team__calendar", "contact").get(
        pk=conversation_id
    )
    if not contacts.still_on_file(conversation.contact_id, address):
        log.info(
            "acknowledgement dropped: address no longer on file",
            extra={"conversation": conversation_id},
        )
        return
    subject, body = compose(conversation, timezone.now())
    first = conversation.messages.filter(kind=MessageKind.CUSTOMER).order_by("id").first()
    headers = {
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        "Precedence": "auto_reply",
    }
    if first is not None and first.email_message_id:
        headers["In-Reply-To"] = first.email_message_id
        headers["References"] = first.email_message_id
    sender = conversation.team.email or settings.DEFAULT_FROM_EMAIL
    EmailMessage(subject, body, sender, [address], headers=headers).send()
    with transaction.atomic():
        from servewell.desk.conversations import record_activity

        record_activity(conversation, "acknowledged", to=address, subject=subject)
