"""Generated mail for the benchmark and the tests: realistic customer emails with
threads (In-Reply-To, References), encoded names and attachments, written to a Maildir
(in date order or shuffled, as a real Maildir is read) and to an mbox.

It lives in the package, not with the tests, because ``servewell bench`` runs from the
installed package; nothing here runs in production.
"""

from __future__ import annotations

import base64
import mailbox
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

_FIRST = ["Jo", "Ana", "Luca", "Mei", "Sam", "Noor", "Ola", "Ravi", "Zoë", "Jürgen", "Chloé"]
_LAST = ["Doe", "Silva", "Rossi", "Chen", "Kim", "Haddad", "Berg", "Patel", "Müller", "Dubois"]
_TOPICS = [
    "Where is my parcel?",
    "Refund for order",
    "Cannot log in",
    "Wrong size delivered",
    "Invoice address change",
    "Broken on arrival",
    "Question about my subscription",
    "Damaged packaging",
]
_SENTENCES = [
    "I ordered last week and nothing has arrived yet.",
    "Could you please check what happened?",
    "The tracking page has not changed for three days.",
    "Thank you for your help so far.",
    "I attached a photo so you can see the problem.",
    "Please call me back if that is easier.",
    "Grüße aus Köln — und danke!",
    "This is the second time this happens, which is frustrating.",
]


@dataclass(frozen=True)
class GeneratedMail:
    message_id: str
    root_id: str  # the first message of its thread (itself for a new thread)
    is_reply: bool
    has_attachment: bool
    path: Path  # where it was written


def generate_maildir(
    path: str | Path,
    n: int,
    *,
    reply_share: float = 0.3,
    attachment_share: float = 0.3,
    to: str = "care@example.org",
    seed: int = 1,
    shuffled: bool = False,
) -> list[GeneratedMail]:
    """Write ``n`` realistic emails into a Maildir (``cur``/``new``/``tmp``), named in date
    order, or in a random order when ``shuffled`` (as a real Maildir is read: many replies
    before the email they answer).

    ``reply_share`` of them answer an earlier one (In-Reply-To and References, from the
    same customer); ``attachment_share`` are multipart/mixed with a base64 attachment.
    Returns what was written, in date order, so a test can check where each reply ended
    up; ``raw_of(mail)`` reads one back.
    """
    rng = random.Random(seed)
    order = list(range(n))
    if shuffled:
        random.Random(seed + 1).shuffle(order)
    root = Path(path)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    written: list[GeneratedMail] = []
    chains: dict[str, list[str]] = {}  # message id -> its References chain (incl. itself)
    customers: dict[str, tuple[str, str, str]] = {}  # root id -> (name, address, subject)
    start = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    pid = os.getpid()
    for i in range(n):
        message_id = f"<gen{i}.{seed}@mail.example.com>"
        is_reply = bool(written) and rng.random() < reply_share
        if is_reply:
            parent = rng.choice(written)
            root_id = parent.root_id
            name, address, topic = customers[root_id]
            chain = chains[parent.message_id]
            subject = f"Re: {topic}"
        else:
            parent, root_id, chain = None, message_id, []
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            address = f"customer{i}@example.net"
            topic = rng.choice(_TOPICS)
            subject = topic
            customers[message_id] = (name, address, topic)
        chains[message_id] = [*chain[-10:], message_id]
        has_attachment = rng.random() < attachment_share
        body = " ".join(rng.choice(_SENTENCES) for _ in range(rng.randint(2, 6)))
        headers = [
            f"From: {_encoded(name)} <{address}>",
            f"To: Care <{to}>",
            f"Subject: {_encoded(subject)}",
            f"Date: {format_datetime(start + timedelta(minutes=i))}",
            f"Message-ID: {message_id}",
            "MIME-Version: 1.0",
        ]
        if parent is not None:
            headers.append(f"In-Reply-To: {parent.message_id}")
            headers.append("References: " + " ".join(chain[-10:]))
        text = f"Hello,\r\n\r\n{body}\r\n\r\n{name}\r\n"
        if i % 10 == 3:  # a line an mbox must quote (">From ")
            text = f"Hello,\r\n\r\nFrom what I can see, it never left the depot.\r\n{body}\r\n"
        if parent is not None:
            text += "\r\nOn Mon, 1 Jan 2024, Care <care@example.org> wrote:\r\n> Earlier words\r\n"
        raw = _assemble(headers, text, has_attachment, rng, i)
        place = order[i]
        path = root / "new" / f"{1_700_000_000 + place}.M{place:07d}P{pid}.servewell"
        path.write_bytes(raw)
        written.append(GeneratedMail(message_id, root_id, is_reply, has_attachment, path))
    return written


def write_mbox(path: str | Path, written: list[GeneratedMail]) -> Path:
    """The same emails in one mbox file, in date order, written by Python's
    ``mailbox.mbox`` (which adds "From " separator lines and quotes body lines that start
    with "From "): the bytes differ from the Maildir's, the emails do not."""
    box = mailbox.mbox(str(path))
    try:
        box.lock()
        for mail in written:
            box.add(mail.path.read_bytes())
        box.flush()
    finally:
        box.unlock()
        box.close()
    return Path(path)


def _encoded(text: str) -> str:
    if text.isascii():
        return text
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def _assemble(headers: list[str], text: str, attachment: bool, rng: random.Random, i: int) -> bytes:
    if not attachment:
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        return ("\r\n".join(headers) + "\r\n\r\n" + text).encode()
    boundary = f"=_sw_{i}_{rng.getrandbits(32):08x}"
    payload = base64.encodebytes(rng.randbytes(rng.randint(1000, 6000))).decode()
    headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    parts = [
        f"--{boundary}",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        text,
        f"--{boundary}",
        f'Content-Type: image/jpeg; name="photo-{i}.jpg"',
        "Content-Transfer-Encoding: base64",
        f'Content-Disposition: attachment; filename="photo-{i}.jpg"',
        "",
        payload,
        f"--{boundary}--",
        "",
    ]
    return (
        "\r\n".join(headers) + "\r\n\r\nThis is a MIME message.\r\n" + "\r\n".join(parts)
    ).encode()
