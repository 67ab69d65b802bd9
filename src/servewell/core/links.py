"""Links worked out once per process, not once per use (``kept_reverse``).

Why: a page writes forty to sixty links, and ``reverse`` walks the URL patterns for each
(about 20 µs apiece): on the conversation page that was 7 % of the server's CPU, on the
inbox 4 %, and the pages are what limit how many agents a box serves (README,
Capacity). A link depends only on the URL name, its arguments, the URL configuration
and the script prefix. Where the arguments are whole numbers (a conversation's id), the
URL name is reversed once with stand-ins and each link fills in its numbers, so a page
of a conversation never seen before costs no walk either; links with text arguments are
kept under exactly those. Other arguments (a model instance, whose text may change) are
reversed each time, and a name that does not reverse raises as ``reverse`` does (errors
are never kept).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

#: Links kept per process for arguments of text: every URL name with each value a busy
#: server shows in an hour.
KEPT = 20_000
#: Stand-ins for whole-number arguments: the link is reversed once with them, and each
#: later link of that URL name is the same text with the numbers put in their place.
SENTINEL = 987_654_320_000


@lru_cache(maxsize=KEPT)
def _reverse(
    view_name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    urlconf: Any,
    root_urlconf: str,
    prefix: str,
) -> str:
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


@lru_cache(maxsize=2_048)
def _pattern(
    view_name: str,
    count: int,
    names: tuple[str, ...],
    current_app: str | None,
    urlconf: Any,
    root_urlconf: str,
    prefix: str,
) -> str | None:
    """The link with ``{0}``, ``{1}``, … where its whole-number arguments go, or None
    where the stand-ins do not come out once each as they went in (a converter of its
    own, a pattern that takes some numbers only): such links are reversed every time."""
    args = [SENTINEL + n for n in range(count)]
    kwargs = {name: SENTINEL + count + n for n, name in enumerate(names)}
    try:
        url = reverse(view_name, urlconf=urlconf, args=args, kwargs=kwargs, current_app=current_app)
    except NoReverseMatch:
        return None
    text = url.replace("{", "{{").replace("}", "}}")
    for n in range(count + len(names)):
        if text.count(str(SENTINEL + n)) != 1:
            return None
        text = text.replace(str(SENTINEL + n), "{%d}" % n)  # noqa: UP031 - a format field
    return text


def _number(value: Any) -> bool:
    # bool equals an int as a key (True == 1) but reverses to other text; a negative
    # number does not match Django's int converter
    return type(value) is int and value >= 0


def _keepable(value: Any) -> bool:
    return _number(value) or isinstance(value, str)


def kept_reverse(
    view_name: str,
    args: list[Any] | tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    current_app: str | None = None,
) -> str:
    """``reverse``, worked out once per URL name where the arguments are whole numbers,
    and kept per process where they are text."""
    kwargs = kwargs or {}
    if not isinstance(view_name, str):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    where = (current_app, get_urlconf(), str(settings.ROOT_URLCONF), get_script_prefix())
    if all(_number(a) for a in args) and all(_number(v) for v in kwargs.values()):
        names = tuple(sorted(kwargs))
        pattern = _pattern(view_name, len(args), names, *where)
        if pattern is not None:
            return pattern.format(*args, *(kwargs[name] for name in names))
    if all(_keepable(a) for a in args) and all(_keepable(v) for v in kwargs.values()):
        return _reverse(view_name, tuple(args), tuple(sorted(kwargs.items())), *where)
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
