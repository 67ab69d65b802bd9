"""The weekly digest's extension point: parts other apps add to the leads' Monday email.

It lives in core, not in the insights app that sends the digest, because the apps that
contribute (goodwill's featured story, experience's kudos) sit below insights in the
layers and may not import it. Each contributes a ``DigestSection`` through its
``AppContract.extends``; insights reads ``DIGEST_SECTIONS`` and imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from servewell.core.contract import ExtensionPoint, FigureQuery


@dataclass(frozen=True)
class DigestPart:
    """What a section says this week: a title and short lines (plain text, no markup:
    the same lines go into the HTML and the plain-text part). ``links`` holds a site
    path per line where the line leads somewhere (or "")."""

    title: str
    lines: Sequence[str]
    links: Sequence[str] = ()

    @property
    def rows(self) -> list[tuple[str, str]]:
        """Each line with its link ("" where it has none)."""
        links = [*self.links, *[""] * len(self.lines)]
        return list(zip(self.lines, links, strict=False))


@dataclass(frozen=True)
class DigestSection:
    """``build(viewer, query)`` returns a ``DigestPart``, or None when the section has
    nothing to say for the week and teams in ``query``; ``order`` places it (lower
    first)."""

    key: str
    build: Callable[[Any, FigureQuery], DigestPart | None]
    order: int = 100


DIGEST_SECTIONS: ExtensionPoint[DigestSection] = ExtensionPoint(
    "digest.sections",
    DigestSection,
    "Sections of the weekly digest (a featured story, kudos): a title and lines.",
)
