"""``{% url %}`` that works a link out once per process, not once per use.

Why: a page writes forty to sixty links, and ``reverse`` walks the URL patterns for each
(about 20 µs apiece): on the conversation page that was 7 % of the server's CPU, on the
inbox 4 %, and the pages are what limit how many agents a box serves (README,
Capacity). A link depends only on the URL name, its arguments, the URL configuration
and the script prefix, so the answer is kept under exactly those (a static file's
address is kept by ``core.staticstorage``).

Loaded as a template builtin (``config.settings``), it replaces Django's tag of the same
name in every template, with the same syntax and output. Arguments other than
text and whole numbers (a model instance, whose text may change) are reversed each time
as before, and a name that does not reverse raises as before (errors are never kept).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

#: Links kept per process: every URL name with each id a busy server shows in an hour.
KEPT = 20_000


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


def _keepable(value: Any) -> bool:
    # bool and float equal ints as keys (True == 1) but reverse to other text
    return type(value) is int or isinstance(value, str)


def kept_reverse(
    view_name: str,
    args: list[Any] | tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    current_app: str | None = None,
) -> str:
    """``reverse``, kept per process where the arguments are text or whole numbers."""
    kwargs = kwargs or {}
    if not (
        isinstance(view_name, str)
        and all(_keepable(a) for a in args)
        and all(_keepable(v) for v in kwargs.values())
    ):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    return _reverse(
        str(view_name),
        tuple(args),
        tuple(sorted(kwargs.items())),
        current_app,
        get_urlconf(),
        str(settings.ROOT_URLCONF),
        get_script_prefix(),
    )


class KeptURLNode(URLNode):
    def render(self, context: template.Context) -> str:
        from django.urls import NoReverseMatch

        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        url = ""
        try:
            url = kept_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> KeptURLNode:
    """Django's ``{% url %}`` (same syntax), its answers kept per process."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
