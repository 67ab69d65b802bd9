"""Lesson Markdown to safe HTML.

markdown-it renders with raw HTML switched off (``"js-default"``), and nh3 cleans what
comes out anyway: a lesson is written by a trainer but read by every learner, so a
pasted ``<script>``, an ``onerror=`` or a ``javascript:`` link must never reach a page or
the course book. Only http(s) and mailto links survive; images are not allowed at all,
since the course book PDF may not fetch anything.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_MD = MarkdownIt("js-default").enable("table")
_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "em", "strong", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes={"a": {"href", "title"}, "ol": {"start"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    clean_content_tags={"script", "style"},
)
_DANGEROUS = re.compile(r"<\s*script|<[^>]*?\son[a-z]+\s*=|javascript\s*:", re.IGNORECASE)


def render(markdown: str) -> str:
    """Sanitised HTML of a lesson's Markdown (headings start at h2: the page owns h1)."""
    html = _MD.render(markdown or "")
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return _CLEANER.clean(html)


def check_markdown(markdown: str) -> list[str]:
    """What a writer should be told: script tags, event handlers and javascript: links
    are refused at the door instead of being silently dropped from the lesson."""
    problems = []
    for match in _DANGEROUS.finditer(markdown or ""):
        text = match.group(0).lower()
        if "script" in text and "<" in text:
            problems.append("Lessons may not contain <script> tags.")
        elif text.startswith("javascript"):
            problems.append("Links may not use javascript:.")
        else:
            problems.append("Lessons may not contain event handlers (on…= attributes).")
    return list(dict.fromkeys(problems))
