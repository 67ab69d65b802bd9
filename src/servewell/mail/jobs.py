"""Background work of the mail pipeline: polling, the RECEIVED sweep, log pruning."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from servewell.core.jobs import periodic
from servewell.mail import imap, intake, loops
from servewell.mail import outbound as outbound  # registers send_reply with the worker
from servewell.mail.models import InboundEmail

#: A RECEIVED row older than this was left by a crash between storing and filing.
STALE_AFTER = timedelta(minutes=5)


@periodic(minute="*")
def fetch_mail() -> None:
    """Poll every active IMAP mailbox (each at most once a minute across workers)."""
    imap.poll_all()


@periodic(minute="*/5")
def file_stale_received_mail() -> None:
    """File mail whose raw bytes were stored but whose filing never happened (a crash in
    between) and that nobody re-delivered. Intake's claim makes this safe to race."""
    now = timezone.now()
    stale = InboundEmail.objects.filter(
        state=InboundEmail.State.RECEIVED, received_at__lt=now - STALE_AFTER
    ).defer("raw")
    directory = intake.Directory.load()
    for inbound in stale.order_by("received_at", "id")[:500]:
        intake.process(inbound, now=now, directory=directory)


@periodic(minute="41", hour="4")
def prune_auto_reply_log() -> None:
    loops.prune_auto_reply_log(timezone.now())
