"""The app contract: everything an app adds to Servewell, declared in one place.

Each app builds one ``AppContract`` and hands it to ``register`` from its
``AppConfig.ready()``. Core reads the registry to build the menu, the demo, the bench and
the pages' side panels; it never imports an app. An app that owns an extension point of
its own (the contacts app's erasers, the desk's inbox views) declares it as an
``ExtensionPoint``, and others contribute to it through the same contract's ``extends``.

Why one object instead of module-level ``register_*`` calls: everything an app plugs in
is visible in one place, registered at one moment (``ready()``), and checked when it is
registered: a contribution of the wrong type, a duplicate app, or an extension point
nobody declared stops start-up instead of silently doing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from importlib import import_module
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ContractError(RuntimeError):
    """A contribution that cannot work: raised at start-up, never at request time."""


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str
    section: str = "main"  # "main" or "admin"
    icon: str = ""


@dataclass(frozen=True)
class FastRoute:
    """A machine endpoint answered on a fast lane (``core.fastlane``). ``accept``
    ("package.module:function") takes a list of ``Arrival`` and returns one ``Reply`` per
    arrival, in order; it runs in the lane's thread with the ORM at hand.
    ``query`` names parameters the request must carry to take this lane (e.g.
    ``(("respond", "async"),)``); without them it goes to Django."""

    method: str
    path: str
    accept: str
    query: tuple[tuple[str, str], ...] = ()
    max_body: int = 256 * 1024


@dataclass(frozen=True)
class StreamDoor:
    """A long-lived browser endpoint served beside Django's ASGI handler. ``serve``
    ("package.module:function") is an ASGI callable taking ``(scope, receive, send)``
    for GET ``path``; it does itself what the middleware would do for it (see the live
    queue's stream: host, session, the person, the permission, the request log)."""

    path: str
    serve: str

    def load(self) -> Callable[..., Any]:
        module, _, function = self.serve.partition(":")
        return getattr(import_module(module), function)


@dataclass(frozen=True)
class DemoStep:
    """One part of the demo organisation. ``order`` places it among the others' steps
    (people 10, commitments 20, desk 30, clocks 40, quality 50; later apps above); each
    ``load`` is idempotent and returns a short summary for the console."""

    order: int
    load: str  # "package.module:function", imported only when the demo is loaded
    name: str = ""

    def run(self) -> Any:
        module, _, function = self.load.partition(":")
        return getattr(import_module(module), function)()


class Slot(StrEnum):
    """Pages that show what other apps know about their subject."""

    CONVERSATION = "conversation"  # beside the thread; the subject is a Conversation
    CONTACT = "contact"  # the contact panel and page; the subject is a Contact
    PERSON = "person"  # a person's page; the subject is a User
    COMPOSER = "composer"  # in a conversation's composer; the subject is a Conversation


@dataclass(frozen=True)
class Panel:
    """A block on a page another app owns. ``context(request, subject)`` returns the
    template's context, or None when there is nothing to show; it is called only when
    the viewer ``can`` the panel's ``perm``."""

    slot: Slot
    key: str
    title: str
    template: str
    context: Callable[[Any, Any], Mapping[str, Any] | None]
    perm: str
    order: int = 100


@dataclass(frozen=True)
class RowField:
    """What an app shows on each conversation row of the inbox and the API list.

    ``annotate(rows, now)`` returns ``{conversation_id: value}`` for a whole page in one
    query; ``serializer`` is the DRF field that documents and renders the value in the
    API schema, so a row field is never an untyped attribute."""

    name: str
    annotate: Callable[[Sequence[Any], datetime], Mapping[int, Any]]
    serializer: Callable[[], Any]
    label: str = ""
    template: str = ""  # renders one cell of the inbox; gets ``value`` and ``row``
    #: Writes one cell of the inbox in Python, ``cell(value, row)`` -> escaped HTML; used
    #: instead of ``template`` when given. A page has up to a hundred rows, and a
    #: template rendered per cell cost more than the rest of the row together.
    cell: Callable[[Any, Any], str] | None = None


@dataclass(frozen=True)
class FigureQuery:
    """What a leader asks a figure for: a period and, optionally, teams and a person."""

    start: datetime
    end: datetime
    team_ids: Sequence[int] | None = None  # None: every team the viewer sees
    person_id: int | None = None


@dataclass(frozen=True)
class RollupRow:
    """One day's part of a figure for one team and person: the dashboard adds up
    ``numerator`` and ``denominator`` over any period and divides (times ``Figure.scale``),
    so a figure that can be summed is read from stored rows instead of raw tables."""

    day: date
    team_id: int | None
    person_id: int | None
    numerator: float
    denominator: float = 1.0


@dataclass(frozen=True)
class Figure:
    """A number an app offers to a leader dashboard. ``compute`` returns the value (or
    None when there is nothing to measure); ``drill`` names the URL of the list it counts
    (the dashboard adds the period, team and person filters to it).

    ``rollup(start_day, end_day)``, where given, yields the figure's ``RollupRow``s for
    those days, so the dashboard can keep them per day, team and person and stay fast at
    millions of rows; ``compute`` must agree with the rolled-up value to the unit."""

    key: str
    label: str
    definition: str
    unit: str
    compute: Callable[[FigureQuery], float | None]
    perm: str
    drill: str = ""
    higher_is_better: bool = True
    rollup: Callable[[date, date], Iterable[RollupRow]] | None = None
    scale: float = 1.0  # e.g. 100 for a share shown in %


@dataclass(frozen=True)
class LiveWatch:
    """Something a page watches over its live stream instead of polling for it
    (``core.live``): the stream opened with ``?<param>=<id>`` subscribes to the topic
    ``<param>:<id>``.

    The callables run off the event loop: ``enter(user, id)`` checks access (raising
    ``Http404`` or ``PermissionDenied``) and records that the user is here, and
    ``state(user, id)`` returns the ``(event, data)`` frames a new stream starts from,
    both with the ORM at hand; ``renew(watchers)`` runs every ``renew_s`` with the
    (user, id) pairs of every open stream of the process at once, and ``leave(user, id)``
    once when a stream closes: both without the database (a stream holds no connection),
    as cache writes at most."""

    param: str
    enter: Callable[[Any, int], None]
    state: Callable[[Any, int], Sequence[tuple[str, Mapping[str, Any]]]]
    renew: Callable[[Sequence[tuple[Any, int]]], None]
    leave: Callable[[Any, int], None]
    renew_s: float = 5.0


class ExtensionPoint(Generic[T]):
    """A hook an app owns (e.g. the contacts app's erasers); others contribute through
    ``AppContract.extends``. Contributions are type-checked against ``kind``."""

    _declared: dict[str, ExtensionPoint[Any]] = {}

    def __init__(self, name: str, kind: type | tuple[type, ...], description: str):
        if name in ExtensionPoint._declared:
            raise ContractError(f"Extension point {name!r} is declared twice.")
        self.name = name
        self.kind = kind
        self.description = description
        self._items: list[tuple[str, T]] = []
        ExtensionPoint._declared[name] = self

    def add(self, app: str, item: T) -> None:
        if not isinstance(item, self.kind):
            raise ContractError(
                f"{app}: {self.name} takes {self.kind!r}, not {type(item).__name__}."
            )
        if all(existing is not item for _app, existing in self._items):
            self._items.append((app, item))

    @contextmanager
    def added(self, item: T, app: str = "test") -> Iterator[T]:
        """A contribution for the length of a block (tests, one-off scripts)."""
        self.add(app, item)
        try:
            yield item
        finally:
            self._items = [(a, i) for a, i in self._items if i is not item]

    def items(self) -> list[T]:
        return [item for _app, item in self._items]

    def __repr__(self) -> str:
        return f"ExtensionPoint({self.name!r})"


@dataclass(frozen=True)
class AppContract:
    """Everything one app adds. Only ``label`` is required."""

    label: str
    urls: str = ""  # a module with ``urlpatterns``, mounted at the site root
    nav: Sequence[NavItem] = ()
    grants: Mapping[str, Iterable[str]] = field(default_factory=dict)  # role -> perms
    scripts: Sequence[str] = ()  # static files every signed-in page loads
    styles: Sequence[str] = ()
    demo: Sequence[DemoStep] = ()
    demo_note: str = ""  # printed after the demo is loaded (e.g. how to sign in)
    bench: str = ""  # a module with ``GROUP`` and ``run(ctx)``
    panels: Sequence[Panel] = ()
    row_fields: Sequence[RowField] = ()
    figures: Sequence[Figure] = ()
    extends: Mapping[ExtensionPoint[Any], Sequence[Any]] = field(default_factory=dict)
    fast_routes: Sequence[FastRoute] = ()  # machine endpoints beside Django (core.fastlane)
    #: Paths (regular expressions, matched whole) of the requests an open page repeats
    #: every few seconds; they run on the web process's poll thread (core.wsgibridge).
    polls: Sequence[str] = ()
    #: What an open page can watch over the live stream instead of polling (core.live).
    watches: Sequence[LiveWatch] = ()
    #: Long-lived browser endpoints served beside Django's handler (config.asgi).
    doors: Sequence[StreamDoor] = ()


_contracts: dict[str, AppContract] = {}


def register(contract: AppContract) -> AppContract:
    """Called once from the app's ``ready()``; a second call with the same contract (a
    test re-running ``ready()``) is a no-op, a different one for the same label is an
    error."""
    existing = _contracts.get(contract.label)
    if existing is not None:
        if existing == contract:
            return contract
        raise ContractError(f"App {contract.label!r} registered two different contracts.")
    _check(contract)
    _contracts[contract.label] = contract
    from servewell.core import access

    for role, perms in contract.grants.items():
        access.grant(role, *perms)
    for point, items in contract.extends.items():
        for item in items:
            point.add(contract.label, item)
    return contract


def _check(contract: AppContract) -> None:
    for item in contract.nav:
        if not isinstance(item, NavItem):
            raise ContractError(f"{contract.label}: nav takes NavItem, not {item!r}.")
    for panel in contract.panels:
        if not isinstance(panel, Panel) or not isinstance(panel.slot, Slot):
            raise ContractError(f"{contract.label}: {panel!r} is not a Panel on a Slot.")
    names = {f.name for c in _contracts.values() for f in c.row_fields}
    for row_field in contract.row_fields:
        if row_field.name in names:
            raise ContractError(f"{contract.label}: row field {row_field.name!r} is taken.")
    keys = {f.key for c in _contracts.values() for f in c.figures}
    for figure in contract.figures:
        if figure.key in keys:
            raise ContractError(f"{contract.label}: figure {figure.key!r} is taken.")
    taken = {(r.method, r.path, r.query) for c in _contracts.values() for r in c.fast_routes}
    for route in contract.fast_routes:
        if not isinstance(route, FastRoute) or not route.path.startswith("/api/"):
            raise ContractError(f"{contract.label}: {route!r} is not a FastRoute under /api/.")
        if (route.method, route.path, route.query) in taken:
            raise ContractError(f"{contract.label}: fast route {route.path} is taken.")
    for pattern in contract.polls:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise ContractError(f"{contract.label}: poll path {pattern!r}: {exc}") from None
    paths = {d.path for c in _contracts.values() for d in c.doors}
    for door in contract.doors:
        if not isinstance(door, StreamDoor) or door.path in paths:
            raise ContractError(f"{contract.label}: {door!r} is not a StreamDoor, or is taken.")
    params = {w.param for c in _contracts.values() for w in c.watches}
    for watch in contract.watches:
        if not isinstance(watch, LiveWatch) or not re.fullmatch(r"[a-z_]+", watch.param):
            raise ContractError(f"{contract.label}: {watch!r} is not a LiveWatch.")
        if watch.param in params or watch.param == "wallboard":
            raise ContractError(f"{contract.label}: live watch {watch.param!r} is taken.")
    for point in contract.extends:
        if not isinstance(point, ExtensionPoint):
            raise ContractError(f"{contract.label}: {point!r} is not an ExtensionPoint.")


def contracts() -> list[AppContract]:
    """In INSTALLED_APPS order, which is the order of the apps' ``ready()``."""
    return list(_contracts.values())


def registered() -> int:
    """How many apps have registered a contract. Contracts are only ever added, so this
    keys what is worked out from all of them (``core.context``'s navigation)."""
    return len(_contracts)


def nav_items() -> list[NavItem]:
    return [item for c in _contracts.values() for item in c.nav]


def scripts() -> list[str]:
    return list(dict.fromkeys(s for c in _contracts.values() for s in c.scripts))


def styles() -> list[str]:
    return list(dict.fromkeys(s for c in _contracts.values() for s in c.styles))


def url_modules() -> list[str]:
    return [c.urls for c in _contracts.values() if c.urls]


def demo_steps() -> list[tuple[str, DemoStep]]:
    steps = [(c.label, step) for c in _contracts.values() for step in c.demo]
    return sorted(steps, key=lambda pair: pair[1].order)


def demo_notes() -> list[str]:
    return [c.demo_note for c in _contracts.values() if c.demo_note]


def fast_routes() -> list[FastRoute]:
    return [r for c in _contracts.values() for r in c.fast_routes]


def poll_paths() -> re.Pattern[str] | None:
    """Every app's poll paths as one pattern that must match a whole path; None when no
    app declares any."""
    patterns = [p for c in _contracts.values() for p in c.polls]
    if not patterns:
        return None
    return re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\Z")


def stream_doors() -> list[StreamDoor]:
    return [d for c in _contracts.values() for d in c.doors]


def live_watches() -> dict[str, LiveWatch]:
    """By the stream parameter that asks for them."""
    return {w.param: w for c in _contracts.values() for w in c.watches}


def bench_modules() -> list[str]:
    return [c.bench for c in _contracts.values() if c.bench]


def panels(slot: Slot) -> list[Panel]:
    found = [p for c in _contracts.values() for p in c.panels if p.slot == slot]
    return sorted(found, key=lambda p: p.order)


def row_fields() -> list[RowField]:
    return [f for c in _contracts.values() for f in c.row_fields]


def figures() -> list[Figure]:
    return [f for c in _contracts.values() for f in c.figures]
