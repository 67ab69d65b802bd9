"""The IMAP mailboxes the desk polls: add, change, switch off, delete, test, fetch now.

The password is never stored. A mailbox names the environment variable that holds it
(``password_env``), so neither a database dump nor an audit entry nor the API ever
carries a credential, and rotating one is a deployment change. The screens can only say
whether that variable is set *in the web process*; the worker that polls needs it too.

``imap.poll`` does the fetching; this module owns the settings and their rules.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from servewell.core import audit, events
from servewell.core.errors import DomainError
from servewell.mail import imap
from servewell.mail.models import Mailbox
from servewell.people.models import Team

log = logging.getLogger(__name__)

FIELDS = [
    "name",
    "team",
    "host",
    "port",
    "use_ssl",
    "username",
    "password_env",
    "folder",
    "move_to",
    "is_active",
]
BOOKMARK = ["uidvalidity", "last_uid"]
#: Where the mail is read from. Changing one of these resets the bookmark (update_mailbox).
LOCATION = ("host", "username", "folder")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: Servewell's own secrets. Naming one would send it, as an IMAP password, to whatever
#: host the mailbox points at.
RESERVED_ENV = frozenset({"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST_PASSWORD"})
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*\Z")

MAILBOX_CREATED = events.declare("mail.mailbox_created", "An IMAP mailbox was added.")
MAILBOX_UPDATED = events.declare(
    "mail.mailbox_updated", "An IMAP mailbox's settings changed, or it was switched on or off."
)
MAILBOX_DELETED = events.declare("mail.mailbox_deleted", "An IMAP mailbox was deleted.")


class Inactive(DomainError):
    status = 409

    def __init__(self, message: str):
        super().__init__("conflict", message)


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str


# --- reads -------------------------------------------------------------------------------


def list_mailboxes() -> QuerySet[Mailbox]:
    return Mailbox.objects.select_related("team").order_by("name", "id")


def get_mailbox(pk: Any) -> Mailbox:
    try:
        return list_mailboxes().get(pk=int(pk))
    except (Mailbox.DoesNotExist, ValueError, TypeError):
        raise Http404("No such mailbox.") from None


def password_is_set(mailbox: Mailbox) -> bool:
    """Whether the mailbox's password variable is set in this process's environment."""
    return bool(mailbox.password_env and os.environ.get(mailbox.password_env))


# --- validation --------------------------------------------------------------------------


def _text(value: Any, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise DomainError("invalid", f"{label} is required.", field=field)
    if len(text) > max_length:
        raise DomainError(
            "invalid", f"Keep {label.lower()} under {max_length} characters.", field=field
        )
    return text


def _imap_word(value: Any, field: str, label: str, *, required: bool = True) -> str:
    """Text sent to the server in IMAP commands: imaplib sends ASCII only, and a line
    break would end the command early."""
    text = _text(value, field, label, 255, required=required)
    if not _PRINTABLE_ASCII.match(text):
        hint = (
            " (a non-ASCII folder name is written in IMAP's modified UTF-7, e.g. Gel&APY-scht)"
            if field != "username"
            else ""
        )
        raise DomainError("invalid", f"{label} must be plain ASCII{hint}.", field=field)
    return text


def _username(value: Any) -> str:
    username = _imap_word(value, "username", "The user name")
    if " " in username:  # imaplib sends it unquoted
        raise DomainError("invalid", "The user name cannot contain spaces.", field="username")
    return username


def _host(value: Any) -> str:
    host = _text(value, "host", "The host", 255)
    if "://" in host or "/" in host or any(c.isspace() for c in host):
        raise DomainError(
            "invalid", "Give the host name only, e.g. imap.example.com.", field="host"
        )
    if re.fullmatch(r"[^:]+:\d+", host):
        raise DomainError("invalid", "Put the port in the Port field.", field="host")
    return host


def _port(value: Any) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535 or isinstance(value, bool):
        raise DomainError(
            "invalid", "The port is a number from 1 to 65535 (usually 993).", field="port"
        )
    return port


def _password_env(value: Any) -> str:
    name = _text(value, "password_env", "The password variable", 100)
    if not ENV_NAME.match(name):
        raise DomainError(
            "invalid",
            "Give the name of an environment variable (letters, digits and _, not starting "
            "with a digit), e.g. CARE_IMAP_PASSWORD — never the password itself.",
            field="password_env",
        )
    if name.upper() in RESERVED_ENV:
        raise DomainError(
            "invalid",
            f"{name} is one of Servewell's own secrets, not a mailbox password.",
            field="password_env",
        )
    return name


def _team(value: Any) -> Team:
    team_id = value.pk if isinstance(value, Team) else value
    try:
        team = Team.objects.filter(pk=team_id).first() if team_id not in (None, "") else None
    except (ValueError, TypeError):
        team = None
    if team is None:
        raise DomainError("invalid", "Choose a team.", field="team")
    return team


def _name(value: Any, exclude_pk: int | None) -> str:
    name = _text(value, "name", "The name", 120)
    if Mailbox.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise DomainError("duplicate", "A mailbox with this name exists.", field="name")
    return name


def _clean(data: dict[str, Any], *, current: Mailbox | None) -> dict[str, Any]:
    """Every field checked in form order; the first problem is raised, with its field."""
    clean = {
        "name": _name(data["name"], current.pk if current else None),
        "team": _team(data["team"]),
        "host": _host(data["host"]),
        "port": _port(data["port"]),
        "use_ssl": bool(data["use_ssl"]),
        "username": _username(data["username"]),
        "password_env": _password_env(data["password_env"]),
        "folder": _imap_word(data["folder"], "folder", "The folder"),
        "move_to": _imap_word(data["move_to"], "move_to", "The move-to folder", required=False),
        "is_active": bool(data["is_active"]),
    }
    folder, move_to = clean["folder"], clean["move_to"]
    if move_to and (move_to == folder or move_to.upper() == folder.upper() == "INBOX"):
        raise DomainError(
            "invalid", "Move processed mail to another folder, or leave it empty.", field="move_to"
        )
    team_changed = current is None or current.team_id != clean["team"].pk
    if not clean["team"].is_active and (team_changed or clean["is_active"]):
        raise DomainError("invalid", f"The team {clean['team']} is inactive.", field="team")
    return clean


def check_mailbox(*, mailbox: Mailbox | None = None, **fields: Any) -> Mailbox:
    """The mailbox these settings would make, validated but not saved — to test a
    connection before saving it. ``fields`` change ``mailbox`` (or a new one)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise DomainError("invalid", f"Cannot change {', '.join(sorted(unknown))}.")
    base = mailbox or Mailbox()
    merged = {f: fields[f] if f in fields else _current(base, f) for f in FIELDS}
    clean = _clean(merged, current=mailbox)
    return Mailbox(**{**{f: getattr(base, f) for f in BOOKMARK}, **clean, "pk": base.pk})


def _current(mailbox: Mailbox, field: str) -> Any:
    if field == "team":
        return mailbox.team_id
    return getattr(mailbox, field)


# --- writes ------------------------------------------------------------------------------


def create_mailbox(
    actor: Any,
    *,
    name: str,
    team: Team | int,
    host: str,
    username: str,
    password_env: str,
    port: int = 993,
    use_ssl: bool = True,
    folder: str = "INBOX",
    move_to: str = "",
    is_active: bool = True,
) -> Mailbox:
    data = {
        "name": name,
        "team": team,
        "host": host,
        "port": port,
        "use_ssl": use_ssl,
        "username": username,
        "password_env": password_env,
        "folder": folder,
        "move_to": move_to,
        "is_active": is_active,
    }
    clean = _clean(data, current=None)
    with transaction.atomic():
        mailbox = Mailbox.objects.create(**clean)
        audit.record(actor, "mail.mailbox_created", mailbox, after=_snapshot(mailbox))
        events.publish(
            MAILBOX_CREATED, {"mailbox": mailbox.pk, "name": mailbox.name, "team": mailbox.team_id}
        )
    return mailbox


def update_mailbox(actor: Any, mailbox: Mailbox, **changes: Any) -> Mailbox:
    """Change a mailbox's settings; returns the saved row.

    A new host, user name or folder points the mailbox at a different folder, and the
    bookmark (UIDVALIDITY + last UID) describes the old one. UIDs are only numbers
    within one folder of one server; kept, the bookmark would skip every message of the
    new folder whose UID is at or below the old last UID whenever the two UIDVALIDITY
    values happen to agree (small counters and timestamps often do). So the bookmark
    goes back to "nothing fetched yet": the next poll reads the folder from UID 1, and
    mail that was already filed through the old settings (same server under a new name,
    say) comes back as a duplicate of its Message-ID and creates nothing. ``uidvalidity``
    is cleared too, not just ``last_uid``: a poll of the old folder still in flight
    may write its last UID after us, and the mismatch makes the next poll drop that.
    Port and SSL changes are the same folder reached another way; they keep it.
    """
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise DomainError("invalid", f"Cannot change {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        current = Mailbox.objects.select_for_update().select_related("team").get(pk=mailbox.pk)
        merged = {f: changes[f] if f in changes else _current(current, f) for f in FIELDS}
        clean = _clean(merged, current=current)
        before = _snapshot(current)
        moved = _moved(current, clean)
        for key, value in clean.items():
            setattr(current, key, value)
        if moved:
            current.uidvalidity, current.last_uid = None, 0
        current.save(update_fields=[*FIELDS, *(BOOKMARK if moved else [])])
        old, new = audit.changed(before, _snapshot(current))
        if new:
            audit.record(actor, "mail.mailbox_updated", current, before=old, after=new)
            events.publish(MAILBOX_UPDATED, {"mailbox": current.pk, "changed": sorted(new)})
    return current


def _moved(current: Mailbox, clean: dict[str, Any]) -> bool:
    return (
        clean["host"].lower() != current.host.strip().lower()
        or clean["username"] != current.username
        or clean["folder"] != current.folder
    )


def deactivate_mailbox(actor: Any, mailbox: Mailbox) -> Mailbox:
    """Stop polling it; settings and bookmark stay, so switching it on again resumes."""
    return update_mailbox(actor, mailbox, is_active=False)


def activate_mailbox(actor: Any, mailbox: Mailbox) -> Mailbox:
    return update_mailbox(actor, mailbox, is_active=True)


def delete_mailbox(actor: Any, mailbox: Mailbox) -> None:
    """Delete it. Mail it brought in stays (its source still reads ``imap:<name>``)."""
    with transaction.atomic():
        audit.record(actor, "mail.mailbox_deleted", mailbox, before=_snapshot(mailbox))
        events.publish(MAILBOX_DELETED, {"mailbox": mailbox.pk, "name": mailbox.name})
        Mailbox.objects.filter(pk=mailbox.pk).delete()


def _snapshot(mailbox: Mailbox) -> dict[str, Any]:
    return audit.snapshot(mailbox, [*FIELDS, *BOOKMARK])


# --- talking to the server ---------------------------------------------------------------


def poll_now(actor: Any, mailbox: Mailbox, *, now: datetime | None = None) -> imap.PollResult:
    """Fetch this mailbox's new mail now, as the minute job would. A worker polling it at
    the same moment is harmless: intake turns a second copy into a duplicate and the
    bookmark only moves forward."""
    mailbox = get_mailbox(mailbox.pk)  # the bookmark as it is now, not as the caller saw it
    if not mailbox.is_active:
        raise Inactive("This mailbox is switched off: activate it to fetch its mail.")
    if not mailbox.team.is_active:
        raise Inactive(f"The team {mailbox.team} is inactive: choose another team first.")
    result = imap.poll(mailbox, now=now or timezone.now())
    audit.record(
        actor,
        "mail.mailbox_fetched",
        mailbox,
        after={"fetched": result.fetched, "states": result.states, "error": result.error},
    )
    return result


def summary(result: imap.PollResult) -> str:
    """ "3 fetched (2 new, 1 threaded)", as ``servewell fetch-mail`` reports it."""
    if result.error:
        return f"fetching failed: {result.error}"
    if not result.fetched:
        return "no new mail."
    states = ", ".join(f"{n} {state}" for state, n in sorted(result.states.items()))
    return f"{result.fetched} fetched ({states})."


def test_connection(mailbox: Mailbox) -> ConnectionCheck:
    """Connect, log in and open the folder (read-only) the way a poll would, and say in
    words what happened. Never raises: a wrong host, port, TLS setting, password or
    folder is an answer for the admin, not an error page. Fetches and changes nothing."""
    conn = None
    try:
        conn = imap.connect(mailbox)
        count = _open_folder(conn, mailbox.folder)
        if mailbox.move_to:
            _check_folder_exists(conn, mailbox.move_to)
    except Exception as exc:  # noqa: BLE001 — the whole point is to explain, not to raise
        return ConnectionCheck(False, explain(exc, mailbox))
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.logout()
    where = f"{mailbox.host}:{mailbox.port}"
    return ConnectionCheck(
        True,
        f"Connected to {where} as {mailbox.username}; the folder {mailbox.folder} "
        f"holds {count} message{'' if count == 1 else 's'}.",
    )


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _open_folder(conn: imaplib.IMAP4, folder: str) -> int:
    typ, data = conn.select(imap._quote(folder), readonly=True)
    if typ != "OK":
        raise imap.MailboxError(f"The folder {folder!r} cannot be opened: {_words(data)}")
    try:
        return int(data[0])
    except (TypeError, ValueError, IndexError):
        return 0


def _check_folder_exists(conn: imaplib.IMAP4, folder: str) -> None:
    typ, data = conn.status(imap._quote(folder), "(MESSAGES)")
    if typ != "OK":
        raise imap.MailboxError(
            f"The folder {folder!r} to move processed mail to cannot be found: {_words(data)}"
        )


def explain(exc: BaseException, mailbox: Mailbox) -> str:
    """A sentence for an admin about why talking to the mailbox's server failed."""
    where = f"{mailbox.host}:{mailbox.port}"
    if isinstance(exc, imap.MailboxError):
        return str(exc)
    if isinstance(exc, socket.gaierror):
        return f"The host name {mailbox.host!r} could not be found ({exc.strerror})."
    if isinstance(exc, ConnectionRefusedError):
        return f"Nothing accepts connections at {where} (refused): check the host and the port."
    if isinstance(exc, TimeoutError):
        return (
            f"No answer from {where} within {imap.TIMEOUT} seconds: check the host, the "
            "port, the SSL setting and any firewall."
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"The certificate of {mailbox.host} was not accepted: {exc.verify_message}."
    if isinstance(exc, ssl.SSLError):
        return (
            f"The TLS handshake with {where} failed ({exc.reason or exc}). Port 993 "
            "expects SSL on; port 143 expects it off (STARTTLS is used when offered)."
        )
    if isinstance(exc, imaplib.IMAP4.abort):
        return f"The connection to {where} broke off: {_words(exc.args)}"
    if isinstance(exc, imaplib.IMAP4.error):
        return (
            f"The server refused the login of {mailbox.username!r}: {_words(exc.args)}. "
            f"Check the user name and the password in {mailbox.password_env}."
        )
    if isinstance(exc, OSError):
        return f"Could not connect to {where}: {exc.strerror or exc}."
    log.exception("mailbox test failed unexpectedly", extra={"mailbox": mailbox.name})
    return f"Unexpected error: {type(exc).__name__}: {exc}"


def _words(data: Any) -> str:
    """imaplib hands server text back as bytes (or lists of them)."""
    parts = data if isinstance(data, (list, tuple)) else [data]
    text = " ".join(
        p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p)
        for p in parts
        if p is not None
    )
    return text.strip() or "no reason given"
