"""Email benchmark figures (``servewell bench --only mail``): ingest speed from a
generated, shuffled Maildir (replies often before the email they answer, as a real Maildir
is read), the same mails re-imported as an mbox (duplicates), the threading share, and end
to end over HTTP with a real worker.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servewell.core import jobs as jobs_module
from servewell.desk.models import Message, MessageKind
from servewell.mail.generate import GeneratedMail, generate_maildir, write_mbox
from servewell.mail.importer import import_path
from servewell.people import teams
from servewell.people.models import Team

GROUP = "mail"
SIZES = {"tiny": 300, "small": 2_000, "large": 10_000}
ADDRESS = "mail-bench@example.org"


def _team() -> Team:
    return Team.objects.filter(email=ADDRESS).first() or teams.create_team(
        None, name="Mail bench", email=ADDRESS
    )


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    n = SIZES[ctx.scale]
    _team()
    with tempfile.TemporaryDirectory(prefix="servewell-mail-bench-") as tmp:
        maildir = Path(tmp) / "Maildir"
        written = generate_maildir(
            maildir, n, to=ADDRESS, seed=7, attachment_share=1 / 3, shuffled=True
        )
        replies = sum(1 for m in written if m.is_reply)
        multipart = sum(1 for m in written if m.has_attachment)
        with _real_queue(Path(tmp) / "jobs.sqlite3") as drain:
            load, cpu, started = os.getloadavg()[0], _cpu_seconds(), time.perf_counter()
            first = import_path(maildir, progress=ctx.progress)
            took = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu
            jobs, jobs_took = drain()
        yield ctx.figure(
            "email.ingest.msgs_per_s",
            n / took,
            "msg/s",
            messages=n,
            replies=replies,
            with_attachment=multipart,
            new=first.new,
            threaded=first.threaded,
            seconds=round(took, 2),
            cpu_ms_per_msg=round(cpu / n * 1000, 3),
            load_average=round(max(load, os.getloadavg()[0]), 2),
            cores=os.cpu_count(),
            order="shuffled",
            includes="parse (worker processes), dedup, thread, store raw + message + "
            "attachment, events, jobs queued in Huey's SQLite storage",
        )
        yield ctx.figure(
            "email.ingest.followup_jobs_per_s",
            jobs / jobs_took if jobs_took else 0.0,
            "jobs/s",
            jobs=jobs,
            seconds=round(jobs_took, 2),
            emails_per_s=round(n / jobs_took, 1) if jobs_took else 0.0,
            note="what the worker then does for the new mail (SLA clocks, acknowledgements), "
            "one process; mail filed together is followed up in one job per batch",
        )
        mbox = write_mbox(Path(tmp) / "export.mbox", written)
        again = import_path(mbox, progress=ctx.progress)
        yield ctx.figure(
            "email.reimport.duplicates",
            again.new + again.threaded,
            "messages",
            duplicates_recognised=again.duplicate,
            messages=n,
            reimported_as="mbox (mailbox.mbox: separator lines, >From quoting)",
        )
    yield ctx.figure(
        "email.replies_threaded.share", threaded_share(written), "ratio", replies=replies
    )


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the reading workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def _real_queue(path: Path) -> Iterator[Callable[[], tuple[int, float]]]:
    """Queue jobs as a deployment does, in Huey's SQLite storage, while mail is imported.

    The benchmark process otherwise runs jobs inline, which would bill the worker's work
    (SLA clocks, acknowledgements) to intake; here it is queued, then drained and timed
    on its own."""
    huey = jobs_module.huey
    was_immediate, storage = huey.immediate, huey.storage
    huey.immediate = False
    # the storage a deployment's queue uses (synchronous=NORMAL, as the database): Huey's
    # own default fsyncs every enqueue and dequeue, which would measure the disk instead
    huey.storage = jobs_module._SqliteQueue(huey.name, filename=str(path), timeout=20)

    def drain() -> tuple[int, float]:
        count, started = 0, time.perf_counter()
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
            count += 1
        return count, time.perf_counter() - started

    try:
        yield drain
    finally:
        huey.storage.close()
        huey.immediate = was_immediate
        huey.storage = storage


def threaded_share(written: list[GeneratedMail]) -> float:
    """Share of generated replies that sit in the conversation of their thread's root."""
    conversation_of: dict[str, int] = {}
    ids = [m.message_id for m in written]
    for start in range(0, len(ids), 500):
        rows = (
            Message.objects.with_email_ids(ids[start : start + 500])
            .filter(kind=MessageKind.CUSTOMER)
            .values_list("email_message_id", "conversation_id")
        )
        conversation_of.update(rows)
    replies = [m for m in written if m.is_reply]
    if not replies:
        return 1.0
    right = sum(
        1
        for m in replies
        if m.message_id in conversation_of
        and conversation_of[m.message_id] == conversation_of.get(m.root_id)
    )
    return right / len(replies)
