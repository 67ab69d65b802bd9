"""Originals before replies, within one import.

A Maildir is not read in date order: many replies come before the email they answer.
Intake joins such a reply to its original when that arrives (a merge), which is right
but costs a merge per early reply. An import can do better: it holds a reply back until
an email it answers has been filed, so it threads directly. Held replies are bounded
(``MAX_WAITING``; beyond it the oldest goes on, and intake's join catches it up), and
whatever still waits at the end is filed then, in input order — an answer to mail that
is not in the import opens its own conversation, as it would have.

Holding a reply changes only *when* it is stored and filed, never how: a kill loses at
most what was held, and the rerun reads it again from the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from servewell.desk.models import Message
from servewell.mail.intake import Readout

MAX_WAITING = 5_000


@dataclass
class _Held:
    order: int
    raw: bytes
    readout: Readout
    answers: list[str]
    released: bool = False


@dataclass
class Reorder:
    """Feed batches in with ``take``; file what comes out, in that order; ``rest`` at the end."""

    max_waiting: int = MAX_WAITING
    _waiting_on: dict[str, list[_Held]] = field(default_factory=dict)
    _held: dict[int, _Held] = field(default_factory=dict)
    _count: int = 0

    def take(self, raws: list[bytes], readouts: list[Readout]) -> tuple[list[bytes], list[Readout]]:
        """The emails of this batch that may be filed now, and held ones they release."""
        items = [self._item(raw, readout) for raw, readout in zip(raws, readouts, strict=True)]
        filed = _filed_ids({i for item in items for i in item.answers})
        out: list[_Held] = []
        for item in items:
            if not item.answers or any(i in filed for i in item.answers):
                self._place(item, out, filed)
            else:
                self._hold(item)
        while len(self._held) > self.max_waiting:  # the oldest goes on regardless
            self._place(self._held[min(self._held)], out, filed)
        return [h.raw for h in out], [h.readout for h in out]

    def rest(self) -> tuple[list[bytes], list[Readout]]:
        """Everything still held, in input order (replies after what they answer)."""
        out: list[_Held] = []
        for order in sorted(self._held):
            if order in self._held:
                self._place(self._held[order], out, set())
        return [h.raw for h in out], [h.readout for h in out]

    def _item(self, raw: bytes, readout: Readout) -> _Held:
        self._count += 1
        answers = list(readout.mail.parsed.thread_ids) if readout.mail is not None else []
        return _Held(self._count, raw, readout, answers)

    def _hold(self, item: _Held) -> None:
        self._held[item.order] = item
        for message_id in item.answers:
            self._waiting_on.setdefault(message_id, []).append(item)

    def _place(self, item: _Held, out: list[_Held], filed: set[str]) -> None:
        """Put ``item`` out, then every held reply it (transitively) releases."""
        queue = [item]
        while queue:
            current = queue.pop()
            if current.released:
                continue
            current.released = True
            if self._held.pop(current.order, None) is not None:
                self._forget(current)
            out.append(current)
            message_id = current.readout.mail.parsed.message_id if current.readout.mail else ""
            if message_id:
                filed.add(message_id)
                queue.extend(reversed(self._waiting_on.pop(message_id, [])))

    def _forget(self, item: _Held) -> None:
        """Take a released reply off the other lists it waited on (no bytes kept alive)."""
        for message_id in item.answers:
            waiters = self._waiting_on.get(message_id)
            if waiters is not None and item in waiters:
                waiters.remove(item)
                if not waiters:
                    del self._waiting_on[message_id]


def _filed_ids(ids: set[str]) -> set[str]:
    """Of these Message-IDs, those already filed (one query per 500)."""
    found: set[str] = set()
    listed = list(ids)
    for start in range(0, len(listed), 500):
        found.update(
            Message.objects.with_email_ids(listed[start : start + 500])
            .order_by()
            .values_list("email_message_id", flat=True)
            .distinct()
        )
    return found
