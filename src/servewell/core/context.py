from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from django.http import HttpRequest
from django.urls import NoReverseMatch
from django.utils.safestring import SafeString, mark_safe

from servewell.core import contract
from servewell.core.access import can
from servewell.core.htmltext import html
from servewell.core.links import kept_reverse
from servewell.core.notifications import unread_count

T = TypeVar("T")


class Once(Generic[T]):
    """A value worked out the first time a template asks for it, then kept.

    Templates call what they are given, so ``{{ unread_notifications }}`` counts the
    notifications only on a page that shows the bell: the fragments htmx swaps in (the
    presence poll every 5 s, the SLA clocks, the panels of a conversation) never do.
    """

    def __init__(self, compute: Callable[[], T]):
        self._compute = compute
        self._done = False
        self._value: T | None = None

    def __call__(self) -> T:
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value  # type: ignore[return-value]


def shell(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the signed-in person may open, for the base template.

    Built once per request (a conversation page renders its panels with the request
    too, and each render runs the context processors again) and lazily: nothing is
    read until a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    built = getattr(request, "_servewell_shell", None)
    if built is None:
        built = {
            "nav": Once(lambda: _nav(request, user)),
            "shell_scripts": contract.scripts(),
            "unread_notifications": Once(lambda: unread_count(user)),
            "shell_styles": contract.styles(),
        }
        request._servewell_shell = built
    return built


class Nav(NamedTuple):
    """The entries of the main navigation and of the administration's, as list items."""

    main: SafeString
    admin: SafeString


def _nav(request: HttpRequest, user: Any) -> Nav:
    roles = user.roles if user.is_active else None
    entries = _nav_entries(roles, contract.registered())
    path = request.path
    current = tuple(path.startswith(url) and url != "/" or path == url for _, url, _ in entries)
    return _nav_written(entries, current)


@lru_cache(maxsize=1024)
def _nav_written(entries: tuple[tuple[str, str, str], ...], current: tuple[bool, ...]) -> Nav:
    """The list items of ``entries``, those in ``current`` marked as the page's section.

    Why: every full page writes the navigation, and through the template each entry
    cost a loop turn, a condition and three lookups; written once per set of entries and
    section, it is kept per process."""
    sections: dict[str, list[str]] = {"main": [], "admin": []}
    for (label, url, section), on in zip(entries, current, strict=True):
        if section in sections:
            sections[section].append(
                html('<li><a href="{}"{}>{}</a></li>', url, CURRENT if on else "", label)
            )
    return Nav(*(mark_safe("".join(sections[name])) for name in ("main", "admin")))  # noqa: S308


CURRENT = mark_safe(' aria-current="page"')


@lru_cache(maxsize=256)
def _nav_entries(roles: frozenset[str] | None, apps: int) -> tuple[tuple[str, str, str], ...]:
    """(label, url, section) of the entries a person with these roles may open (None:
    an inactive person), with ``apps`` contracts registered.

    Every full page shows the navigation, and what ``can`` allows depends on nothing but
    the roles: kept per process for each set of roles, the entries' permissions and
    addresses are worked out once, not on every page."""
    holder = _Roles(roles)
    entries = []
    for item in contract.nav_items():
        if not can(holder, item.perm):
            continue
        try:
            url = kept_reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries.append((item.label, url, item.section))
    return tuple(entries)


class _Roles:
    """What ``can`` reads of a person: signed in, active or not, and the roles."""

    is_authenticated = True

    def __init__(self, roles: frozenset[str] | None) -> None:
        self.is_active = roles is not None
        self.roles = roles or frozenset()
