"""IMAP polling: new mail of each active mailbox, bookmarked by UIDVALIDITY and UID.

Order of work per message, and why: FETCH with BODY.PEEK[] (does not set \\Seen) →
``intake.ingest`` (raw bytes committed first, then filed) → only then mark it \\Seen (or
move it) on the server → only then advance ``Mailbox.last_uid``. A crash anywhere
re-fetches at most the message in flight next time, and intake answers "duplicate".

UIDVALIDITY changing means the server renumbered the folder: the bookmark restarts from
zero (dedup keeps that from creating anything twice).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from servewell.mail import intake
from servewell.mail.models import Mailbox

log = logging.getLogger(__name__)

#: At most this many messages per mailbox and poll: a big backlog is worked off over
#: several polls instead of one job that never ends.
BATCH = 200
FILE_BATCH = 50  # emails fetched, then filed in one transaction
TIMEOUT = 30
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class MailboxError(Exception):
    pass


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    states: dict[str, int] = field(default_factory=dict)
    error: str = ""

    def count(self, state: str) -> None:
        self.fetched += 1
        self.states[state] = self.states.get(state, 0) + 1


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    password = os.environ.get(mailbox.password_env or "", "")
    if not password:
        raise MailboxError(f"The environment variable {mailbox.password_env!r} is not set.")
    if mailbox.use_ssl:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
    try:
        if not mailbox.use_ssl and "STARTTLS" in conn.capabilities:
            if mailbox.host not in _LOOPBACK:
                conn.starttls(ssl_context=ssl.create_default_context())
        conn.login(mailbox.username, password)
    except BaseException:  # refused TLS or login: let the socket go before reporting
        with contextlib.suppress(OSError):
            conn.shutdown()
        raise
    _typ, data = conn.capability()  # they may grow after login (MOVE, UIDPLUS…)
    if data and isinstance(data[-1], bytes):
        conn.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
    return conn


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(typ: str, data: list, what: str) -> list:
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailboxError(f"{what} failed: {detail or typ}")
    return data


def poll(mailbox: Mailbox, *, now: datetime | None = None, batch: int = BATCH) -> PollResult:
    """Fetch, file and mark the new mail of one mailbox. Errors are recorded on the
    mailbox (``last_error``) and returned, not raised: one broken mailbox must not stop
    the others."""
    now = now or timezone.now()
    result = PollResult(mailbox.name)
    conn = None
    try:
        conn = connect(mailbox)
        _poll(conn, mailbox, result, now, batch)
        mailbox.last_error = ""
    except (OSError, imaplib.IMAP4.error, MailboxError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:2000]
        mailbox.last_error = result.error
        log.warning("mailbox poll failed", extra={"mailbox": mailbox.name, "error": result.error})
    finally:
        if conn is not None:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                conn.logout()
    mailbox.last_polled_at = now
    mailbox.save(update_fields=["last_error", "last_polled_at"])
    return result


def _poll(
    conn: imaplib.IMAP4, mailbox: Mailbox, result: PollResult, now: datetime, batch: int
) -> None:
    _check(*conn.select(_quote(mailbox.folder)), f"SELECT {mailbox.folder}")
    uidvalidity = _uidvalidity(conn, mailbox.folder)
    if uidvalidity != mailbox.uidvalidity:
        log.info("uidvalidity changed", extra={"mailbox": mailbox.name, "to": uidvalidity})
        mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        mailbox.save(update_fields=["uidvalidity", "last_uid"])
    data = _check(*conn.uid("SEARCH", f"UID {mailbox.last_uid + 1}:*"), "UID SEARCH")
    # "n:*" always matches the highest UID, even below n: filter on our side.
    uids = sorted(int(u) for u in b" ".join(d or b"" for d in data).split())
    uids = [u for u in uids if u > mailbox.last_uid][:batch]
    directory = intake.Directory.load()
    moves = "MOVE" in conn.capabilities
    for start in range(0, len(uids), FILE_BATCH):
        fetched = [(uid, _fetch(conn, uid)) for uid in uids[start : start + FILE_BATCH]]
        present = [(uid, raw) for uid, raw in fetched if raw is not None]  # None: expunged
        outcomes = intake.ingest_many(
            [raw for _uid, raw in present],
            source=f"imap:{mailbox.name}"[:200],
            now=now,
            default_team=mailbox.team,
            directory=directory,
        )
        # Only now, with the batch committed, does the server hear it was taken.
        for (uid, _raw), outcome in zip(present, outcomes, strict=True):
            _mark_done(conn, mailbox, uid, moves)
            result.count(outcome.state)
        _advance(mailbox, fetched[-1][0])
    if mailbox.move_to and uids and not moves:
        conn.expunge()


def _uidvalidity(conn: imaplib.IMAP4, folder: str) -> int:
    _typ, data = conn.response("UIDVALIDITY")
    for item in data or ():
        if item and item.isdigit():
            return int(item)
    _typ, data = conn.status(_quote(folder), "(UIDVALIDITY)")
    match = _UIDVALIDITY.search(b" ".join(d for d in data if isinstance(d, bytes)))
    if not match:
        raise MailboxError("The server did not say its UIDVALIDITY.")
    return int(match.group(1))


def _fetch(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    data = _check(*conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), f"FETCH {uid}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _mark_done(conn: imaplib.IMAP4, mailbox: Mailbox, uid: int, moves: bool) -> None:
    if not mailbox.move_to:
        _check(*conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)"), f"STORE {uid}")
    elif moves:
        _check(*conn.uid("MOVE", str(uid), _quote(mailbox.move_to)), f"MOVE {uid}")
    else:
        _check(*conn.uid("COPY", str(uid), _quote(mailbox.move_to)), f"COPY {uid}")
        _check(*conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen \Deleted)"), "STORE")


def _advance(mailbox: Mailbox, uid: int) -> None:
    mailbox.last_uid = uid
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)


def poll_all(
    *, now: datetime | None = None, name: str | None = None, force: bool = False
) -> list[PollResult]:
    """Poll every active mailbox (or the one named). Without ``force`` a mailbox polled in
    the last 50 seconds is skipped: the conditional UPDATE claims it, so two workers
    running the minute job never poll one mailbox twice at once."""
    now = now or timezone.now()
    mailboxes = (
        Mailbox.objects.filter(is_active=True, team__is_active=True)
        .select_related("team")
        .order_by("id")
    )
    if name:
        mailboxes = mailboxes.filter(name=name)
    results = []
    for mailbox in mailboxes:
        if not force:
            recent = Q(last_polled_at__gt=now - timedelta(seconds=50))
            claimed = (
                Mailbox.objects.filter(pk=mailbox.pk).exclude(recent).update(last_polled_at=now)
            )
            if not claimed:
                continue
        results.append(poll(mailbox, now=now))
    return results
