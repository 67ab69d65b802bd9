"""Real mail servers for tests: an SMTP sink (aiosmtpd) and a throwaway Dovecot (IMAP).

``from tests.support.mail import smtp_sink_for``. The Maildir generator the benchmark
also uses stays in the package (``servewell.mail.generate``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage

    def __getitem__(self, header: str) -> Any:
        return self.message[header]


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[ReceivedMail] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._arrived = threading.Condition()
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        parsed = message_from_bytes(raw, policy=email_policy.default)
        with self._arrived:
            self.messages.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed)
            )
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self.port = self.port or free_port(self.host)
        self._controller = Controller(self, hostname=self.host, port=self.port, ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until ``count`` messages arrived (delivery is asynchronous)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} emails, got {len(self.messages)}")
                self._arrived.wait(left)
        return list(self.messages)


@contextlib.contextmanager
def smtp_sink_for(settings: Any) -> Iterator[SmtpSink]:
    """Start a sink and point Django's SMTP backend at it (``settings``: pytest-django's
    fixture, or anything whose attributes are Django settings)."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield sink
    finally:
        sink.stop()


# --- a real IMAP server ------------------------------------------------------------------

DOVECOT = "/usr/sbin/dovecot"


class DovecotUnavailable(Exception):
    pass


class Dovecot:
    """A throwaway Dovecot on loopback: plaintext auth, a passwd-file of users, Maildirs
    under ``root``. Runs as the current user (as ``nobody`` when that is root, because
    Dovecot will not serve mail as uid 0)."""

    def __init__(self, root: str | Path, users: dict[str, str], binary: str = DOVECOT):
        self.root = Path(root)
        self._own_root = os.getuid() == 0
        if self._own_root:  # nobody must reach it: pytest's temporary folders are 0700
            import tempfile

            self.root = Path(tempfile.mkdtemp(prefix="servewell-dovecot-"))
            self.root.chmod(0o755)
        self.users = users
        self.binary = binary
        self.host = "127.0.0.1"
        self.port = 0

    def _identity(self) -> tuple[str, str, int, int]:
        import grp
        import pwd

        uid = os.getuid()
        entry = pwd.getpwnam("nobody") if uid == 0 else pwd.getpwuid(uid)
        return entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name, entry.pw_uid, entry.pw_gid

    def start(self) -> Dovecot:
        import subprocess

        if not Path(self.binary).exists():
            raise DovecotUnavailable(f"{self.binary} is not installed (apt install dovecot-imapd)")
        user, group, uid, gid = self._identity()
        self.port = free_port(self.host)
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "passwd").write_text(
            "".join(f"{name}:{{PLAIN}}{password}\n" for name, password in self.users.items())
        )
        (self.root / "dovecot.conf").write_text(
            _DOVECOT_CONF.format(
                root=self.root, port=self.port, user=user, group=group, uid=uid, gid=gid
            )
        )
        if os.getuid() == 0:
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, uid, gid)
        # The master daemonises and its children keep inherited pipes open: write to a
        # file, never to a pipe we would wait on.
        with (self.root / "start.log").open("wb") as log:
            code = subprocess.call(  # noqa: S603 — our own fixed binary and generated config
                [self.binary, "-c", str(self.root / "dovecot.conf")],
                stdout=log,
                stderr=log,
                timeout=20,
            )
        if code != 0:
            output = (self.root / "start.log").read_text(errors="replace")[-500:]
            raise DovecotUnavailable(f"dovecot did not start: {output}")
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return self
            except OSError as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise DovecotUnavailable(f"dovecot is not listening: {exc}") from exc
                time.sleep(0.05)

    def stop(self) -> None:
        import signal

        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                pid = int(pid_file.read_text().strip())
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    os.kill(pid, 0)  # ProcessLookupError once it is gone
                    time.sleep(0.05)
        if self._own_root:
            import shutil

            shutil.rmtree(self.root, ignore_errors=True)

    def client(self, user: str) -> Any:
        import imaplib

        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, self.users[user])
        return conn

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in a folder, as an MTA would (IMAP APPEND, no flags)."""
        conn = self.client(user)
        try:
            conn.append(folder, None, None, raw)
        finally:
            conn.logout()

    def flags(self, user: str, folder: str = "INBOX") -> dict[int, str]:
        """{uid: flags} of every message in a folder."""
        import re

        conn = self.client(user)
        try:
            conn.select(folder, readonly=True)
            _typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
        finally:
            conn.logout()
        found = {}
        for item in data or ():
            if isinstance(item, bytes):
                match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", item) or re.search(
                    rb"FLAGS \(([^)]*)\) UID (\d+)", item
                )
                if match and match.group(1).isdigit():
                    found[int(match.group(1))] = match.group(2).decode()
                elif match:
                    found[int(match.group(2))] = match.group(1).decode()
        return found


_DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
