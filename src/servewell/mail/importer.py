"""Import mail from files: mbox, Maildir (a folder with cur/new), .eml files or folders.

Each email goes through ``intake.ingest`` exactly like live mail — raw bytes first,
duplicates recognised — so an import killed half-way and run again files every email
exactly once. Messages are dated by their Date header (it is old mail), and taken in
file order, except that a reply waits for the email it answers when that is still to
come (``ordering.py``), so it threads directly instead of being joined to it later.

Large inputs (``parallel.SMALL`` emails or more) are read on every core: worker
processes parse while this process stores and files (``mail/parallel.py``), with
the same guarantees and the same result as one process.
"""

from __future__ import annotations

import itertools
import mailbox
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servewell.core.errors import DomainError
from servewell.mail import intake, ordering, parallel
from servewell.people.models import Team

Progress = Callable[..., Iterable[Any]]
BATCH = 200


@dataclass
class ImportSummary:
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, state: str) -> None:
        self.total += 1
        self.counts[state] = self.counts.get(state, 0) + 1

    def __getattr__(self, state: str) -> int:
        if state.startswith("_"):
            raise AttributeError(state)
        return self.counts.get(state, 0)

    def line(self) -> str:
        return (
            f"{self.total} emails: {self.counts.get('new', 0)} new conversations, "
            f"{self.counts.get('threaded', 0)} threaded, "
            f"{self.counts.get('duplicate', 0)} duplicates, "
            f"{self.counts.get('quarantined', 0)} quarantined, "
            f"{self.counts.get('ignored', 0)} ignored"
        )


def open_source(path: str | Path) -> tuple[int, Iterator[bytes]]:
    """(how many emails, their raw bytes in order) for a file or folder of mail."""
    path = Path(path)
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(str(path), factory=None, create=False)
            keys = sorted(box.keys())
            return len(keys), (box.get_bytes(key) for key in keys)
        files = sorted(p for p in path.rglob("*.eml") if p.is_file())
        return len(files), (p.read_bytes() for p in files)
    if not path.is_file():
        raise DomainError("not_found", f"{path} is neither a file nor a folder.", field="path")
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        box = mailbox.mbox(str(path), factory=None, create=False)
        keys = list(box.keys())
        return len(keys), (box.get_bytes(key) for key in keys)
    return 1, iter([path.read_bytes()])


def import_path(
    path: str | Path,
    *,
    team: Team | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
    workers: int | None = None,
) -> ImportSummary:
    """Ingest every email under ``path``; ``team`` files new conversations there.

    Emails go to intake ``batch`` at a time (one insert for their raw bytes, one
    transaction to file them): a kill loses at most the batch being filed, and the
    rerun files it. ``workers``: processes that read (parse) mail meanwhile; by default
    one per core for ``parallel.SMALL`` emails or more, none below; 0 reads here."""
    total, emails = open_source(path)
    if progress is not None:
        emails = iter(progress(emails, total=total, desc="import-mail"))
    if workers is None:
        workers = parallel.default_workers() if total >= parallel.SMALL else 0
    if not parallel.available():
        workers = 0
    source = f"import:{Path(path).name}"
    directory = intake.Directory.load()
    summary = ImportSummary()
    reorder = ordering.Reorder()

    def file(raws: list[bytes], readouts: list[intake.Readout]) -> None:
        for start in range(0, len(raws), batch):
            results = intake.ingest_many(
                raws[start : start + batch],
                source=source,
                team=team,
                use_header_date=True,
                directory=directory,
                readouts=readouts[start : start + batch],
            )
            for result in results:
                summary.add(result.state)

    for chunk, readouts in _read(iter(emails), batch, workers):
        file(*reorder.take(chunk, readouts))
    file(*reorder.rest())
    return summary


def _read(
    emails: Iterator[bytes], batch: int, workers: int
) -> Iterator[tuple[list[bytes], list[intake.Readout]]]:
    """Batches with their readouts: from worker processes, or read here."""
    if workers > 0:
        yield from parallel.read_batches(emails, batch=batch, workers=workers)
        return
    for chunk in _batched(emails, batch):
        yield chunk, parallel.read_chunk(chunk)


def _batched(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk
