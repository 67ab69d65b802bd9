"""A conversation's thread, written in Python.

Why: the thread is on every conversation page and in the answer to every reply and
note, and through the template engine each message cost some sixty node renderings
(its header, copies, body, attachments and the forward and split forms): a message from
format strings costs a fraction of that. Every value is escaped by ``core.htmltext``;
``desk/tests/test_thread.py`` holds the template it replaced and compares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from servewell.core.htmltext import html
from servewell.core.templatetags.dates import date
from servewell.desk.formatting import desk_url, duration
from servewell.desk.merging import SPLITTABLE
from servewell.desk.models import MessageKind

MESSAGE = (
    '  <li id="m{pk}" class="msg msg-{kind}">\n    <header>\n      <strong>{who}</strong>\n'
    '      <span class="kind">{kind_label}{call}</span>\n'
    '      <time datetime="{iso}">{when}</time>\n      {delivery}\n    </header>\n'
    '    {copies}\n    <div class="msg-body">\n      {body}\n    </div>\n'
    "    {files}\n    {forward}\n    {split}\n  </li>\n"
)
FORWARD = (
    '<details class="split forward">\n      <summary>Forward</summary>\n'
    '      <form method="post" action="{url}" hx-post="{url}" hx-swap="none"'
    ' class="forward-form">\n        {token}\n'
    '        <label for="forward-to-{pk}">Forward to</label>\n'
    '        <input id="forward-to-{pk}" name="to" type="email" multiple maxlength="2000"'
    " required>\n"
    '        <label for="forward-note-{pk}">Covering note</label>\n'
    '        <input id="forward-note-{pk}" name="note" maxlength="20000">\n'
    '        <button type="submit" class="secondary small">Forward</button>\n'
    "      </form>\n    </details>"
)
SPLIT = (
    '<details class="split">\n      <summary>Split into a new conversation</summary>\n'
    '      <form method="post" action="{url}" hx-post="{url}" hx-swap="none"'
    ' hx-confirm="Move this message into a new conversation?">\n        {token}\n'
    '        <label for="split-subject-{pk}">Subject of the new conversation</label>\n'
    '        <input id="split-subject-{pk}" name="subject" value="{subject}" maxlength="300">\n'
    '        <button type="submit" class="secondary small">Split</button>\n'
    "      </form>\n    </details>"
)
#: Messages that can be forwarded: everything but notes and the system's own lines.
NOT_FORWARDED = {MessageKind.NOTE, MessageKind.SYSTEM}


def thread_html(
    thread: Sequence[Any], *, conversation: Any, can_work: bool, csrf_token: str = ""
) -> SafeString:
    """The ``<ol>`` of a thread (``views.helpers.presented`` messages, attachments
    prefetched), with the forward and split forms for a person who may work it."""
    token = ""
    if csrf_token and csrf_token != "NOTPROVIDED":
        token = html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
    several = len(thread) > 1
    items = [
        _message(m, conversation=conversation, can_work=can_work, token=token, several=several)
        for m in thread
    ]
    return mark_safe('<ol class="thread">\n' + "".join(items) + "</ol>\n")  # noqa: S308


def _message(m: Any, *, conversation: Any, can_work: bool, token: str, several: bool) -> str:
    kind = m.kind
    call = ""
    if kind == MessageKind.CALL:
        call = " · " + m.get_call_direction_display()
        if m.call_seconds is not None:
            call += ", " + duration(m.call_seconds)
    delivery = ""
    if kind == MessageKind.REPLY and m.delivery_status:
        delivery = html(
            '<span class="delivery delivery-{0}" title="{1}">{0}</span>',
            m.delivery_status,
            m.delivery_error,
        )
    forward = split = ""
    if can_work and kind not in NOT_FORWARDED:
        forward = html(FORWARD, url=desk_url(m.pk, "desk-forward"), token=token, pk=m.pk)
    if can_work and several and kind in SPLITTABLE:
        split = html(
            SPLIT,
            url=desk_url(m.pk, "desk-split"),
            token=token,
            pk=m.pk,
            subject=conversation.subject,
        )
    created = m.created_at
    return html(
        MESSAGE,
        pk=m.pk,
        kind=kind,
        who=m.author or m.contact or "System",
        kind_label=m.get_kind_display(),
        call=call,
        iso=created.isoformat() if created else "",
        when=date(timezone.localtime(created), "D j M Y, H:i") if created else "",
        delivery=delivery,
        copies=_copies(m),
        body=_body(m),
        files=_files(m),
        forward=forward,
        split=split,
    )


def _copies(m: Any) -> str:
    if not (m.cc or m.bcc):
        return ""
    parts = []
    if m.cc:
        parts.append(html("CC: {}", ", ".join(m.cc)))
    if m.bcc:
        parts.append(html("BCC (not shown to the customer): {}", ", ".join(m.bcc)))
    return html('<p class="msg-copies">{}</p>', mark_safe(" · ".join(parts)))  # noqa: S308


def _body(m: Any) -> str:
    shown = getattr(m, "presented", None)
    if not shown:
        return html("<p>{}</p>", linebreaksbr(m.body_text, autoescape=True))
    if not shown.folded:
        return html('<div class="mail-body">{}</div>', shown.visible)
    return html(
        '<div class="mail-body">{}</div>\n<details class="mail-folded"><summary>Show quoted'
        ' text</summary><div class="mail-body">{}</div></details>',
        shown.visible,
        shown.folded,
    )


def _files(m: Any) -> str:
    files = m.attachments.all()
    if not files:
        return ""
    items = []
    for f in files:
        if f.file:
            name = html(
                '<a href="{}" download>{}</a>', desk_url(f.pk, "mail-attachment"), f.filename
            )
        else:
            name = html("{}", f.filename)
        rejected = html(" — {}", f.rejected_reason) if f.rejected_reason else ""
        items.append(
            html("<li>{} <small>{}{}</small></li>", name, filesizeformat(f.size), rejected)
        )
    return html('<ul class="attachments">{}</ul>', mark_safe("".join(items)))  # noqa: S308
