"""Every HTML page, opened with hostile input, answers without a server error.

The REST API has its schema-driven checks (``test_api_schema.py``); pages have no schema,
so this walks the URL routes themselves: each GET route is opened by an admin (who may
open everything, so requests reach the views' real work) with path ids that exist, that
do not, and that no 64-bit column can hold, and with query strings a hand-edited or
forged link carries (cursors, page sizes, filters of the wrong type, NUL bytes). A page
may refuse (4xx) or ignore what it cannot use; it may not answer 5xx.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import pytest
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver

from servewell.desk.tests.factories import make_conversation

HOSTILE_QUERIES = [
    "",
    "cursor=not-a-cursor&size=abc&page=-1",
    "team=99999999999999999999999&assignee=-7&tag=%00&status=nonsense&channel=%ff",
    "view=breached&cursor=eyJ4IjoxfQ&size=100000",
    "q=%22%22%22*%28OR&team=x&since=2024-13-45&until=yesterday",
    "period=99999&days=-1&start=0000-00-00&end=9999-99-99&format=csv",
    # Every id a page might read from its query string, past what a 64-bit column holds.
    "&".join(
        f"{name}={2**70}"
        for name in [
            "team",
            "assignee",
            "reviewer",
            "reviewee",
            "scorecard",
            "card",
            "person",
            "agent",
            "user",
            "contact",
            "conversation",
            "review",
            "session",
            "version",
            "page",
            "size",
            "saved",
            "view",
            "cursor",
        ]
    ),
    "team=%C2%B3&assignee=%C2%B3&scorecard=%C2%B3&page=%C2%B3",  # "³": a digit, not an int
]
#: Streams stay open; they are tested on their own (livequeue tests).
SKIP = re.compile(r"stream|/logout/")
TOO_BIG = 2**70


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _pages() -> list[str]:
    pages = []
    for route in _routes():
        if route.startswith(("api/", "admin/", "static/", "^")) or SKIP.search(route):
            continue
        pages.append("/" + route)
    return sorted(set(pages))


PAGES = _pages()


def _fill(route: str, value: int) -> str:
    url = re.sub(r"<int:[^>]+>", str(value), route)
    url = re.sub(r"<slug:[^>]+>|<str:[^>]+>|<[^>]+>", "x", url)
    return url


def test_the_walk_finds_the_pages_of_every_app():
    prefixes = {page.split("/")[1] for page in PAGES}
    assert {"desk", "people", "teams", "commitments", "queue", "quality"} <= prefixes


@pytest.mark.parametrize("route", PAGES)
def test_a_page_never_answers_a_server_error(client, adam, care, route):
    conversation = make_conversation(team=care)
    client.force_login(adam)
    client.raise_request_exception = False
    ids = {conversation.pk, TOO_BIG} if "<int:" in route else {0}
    for value in sorted(ids):
        url = _fill(route, value)
        for query in HOSTILE_QUERIES:
            response = client.get(f"{url}?{query}" if query else url)
            assert response.status_code < 500, f"{url}?{query}: {response.status_code}"


# --- Every parameter a page reads, and every field of its forms ------------------------

#: What a forged link or form puts where a page expects an id, a number, a choice or text.
HOSTILE_VALUES = ["abc", "³", str(TOO_BIG), "", "-1", "x" * 5000, "1\x00", "%ff"]
_READS = [
    re.compile(r"""request\.(?:GET|POST)(?:\.get|\.getlist)?[\(\[]\s*["']([\w-]+)["']"""),
    re.compile(r"""["']([\w-]+)["']\s+(?:not\s+)?in\s+request\.(?:GET|POST)"""),
]
_PREFIX = re.compile(r"""prefix\s*=\s*["']([\w-]+)["']""")


def _view_modules(callback) -> list:
    """The view's module and the project modules it draws helpers and forms from."""
    view = inspect.unwrap(getattr(callback, "view_class", callback))
    module = inspect.getmodule(view)
    if module is None or not module.__name__.startswith("servewell."):
        return []
    found = {module}
    for value in vars(module).values():
        owner = value if inspect.ismodule(value) else inspect.getmodule(value)
        name = getattr(owner, "__name__", "")
        if name.startswith("servewell.") and not name.endswith((".models", ".access")):
            found.add(owner)
    return sorted(found, key=lambda m: m.__name__)


def _form_fields(module) -> set[str]:
    fields: set[str] = set()
    for value in vars(module).values():
        if inspect.isclass(value) and issubclass(value, forms.BaseForm):
            fields |= set(value.base_fields)
    return fields


def parameters_read_by(callback) -> set[str]:
    """The names a view reads from the query string or the posted form: found in the
    source of its module and helpers (``request.GET.get("x")``, ``"x" in request.POST``)
    and in the fields of the forms they use, with the forms' prefixes."""
    names: set[str] = set()
    for module in _view_modules(callback):
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):
            continue
        for pattern in _READS:
            names |= set(pattern.findall(source))
        fields = _form_fields(module)
        names |= fields
        for prefix in _PREFIX.findall(source):
            names |= {f"{prefix}-{field}" for field in fields}
    return names


def _patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


READERS = sorted(
    {
        ("/" + route, tuple(sorted(parameters_read_by(callback))))
        for route, callback in _patterns()
        if not route.startswith(("api/", "admin/", "static/", "^")) and not SKIP.search(route)
    }
)


def test_the_walk_finds_what_pages_read_from_links_and_forms():
    read = {name for _, names in READERS for name in names}
    assert {"policy", "remove", "delete", "rule_for", "q"} <= read


@pytest.mark.parametrize(("route", "names"), READERS, ids=[r for r, _ in READERS])
def test_every_parameter_a_page_reads_survives_hostile_values(client, adam, care, route, names):
    """GET and POST, each parameter and form field set to each hostile value at once: a
    page refuses (4xx), shows a form error or ignores the value; it never answers 5xx."""
    conversation = make_conversation(team=care)
    client.force_login(adam)
    client.raise_request_exception = False
    url = _fill(route, conversation.pk)
    for value in HOSTILE_VALUES:
        data = dict.fromkeys(names, value)
        for response in (client.get(url, data), client.post(url, data)):
            assert response.status_code < 500, (
                f"{response.request['REQUEST_METHOD']} {url} {value[:20]!r}: {response.status_code}"
            )
