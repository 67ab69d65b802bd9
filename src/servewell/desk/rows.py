"""An inbox row's HTML and a search hit's, written in Python.

Why: the inbox is the page agents open most, and rendering its rows through the
template engine (an include per row, some forty variable lookups each) took more than
half of its CPU, most of that in the rows: a row from a format string costs a fraction of
what the template did. Every value is escaped by ``core.htmltext`` (``desk/tests/
test_rows.py``); the cells other apps add (their contracts' row fields) keep their own
templates, each found once per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.template.loader import get_template
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from servewell.core import contract
from servewell.core.htmltext import html as _html
from servewell.desk.formatting import ago, desk_url

ROW = (
    '<tr id="row-{pk}" class="priority-{priority}"{oob}>\n<td>{pick}'
    '<a class="conv-link" href="{href}"><span class="ref">{reference}</span> {subject}</a>\n'
    '<span class="channel">{channel}</span>{tags}{error}</td>\n'
    "<td>{contact}</td>\n"
    '<td data-col="status"><span class="status status-{status}">{status_label}</span></td>\n'
    '<td data-col="priority"><span class="prio prio-{priority}">{priority_label}</span></td>\n'
    "<td>{team}</td>\n"
    '<td data-col="assignee">{assignee}</td>\n'
    "{cells}\n"
    '<td><time datetime="{updated}">{updated_ago}</time></td>\n</tr>'
)


def inbox_row(
    c: Any, *, can_work: bool, csrf_token: str = "", oob: bool = False, row_error: str = ""
) -> SafeString:
    """One ``<tr>`` of the inbox for the row ``c`` (``queries.inbox_rows``)."""
    pick = ""
    if can_work:
        pick = _html(
            '<input type="checkbox" class="row-pick" name="ids" value="{}:{}" form="bulk-form"'
            ' aria-label="Select {}" data-bulk-pick>',
            c.pk,
            c.version,
            c.reference,
        )
    tags = mark_safe(  # noqa: S308 - each name escaped by _html
        "".join(_html('<span class="tag">{}</span>', name) for name in c.tag_names)
    )
    error = _html('<p class="error" role="alert">{}</p>', row_error) if row_error else ""
    return _html(
        ROW,
        pk=c.pk,
        priority=c.priority,
        oob=mark_safe(' hx-swap-oob="true"') if oob else "",
        pick=pick,
        href=desk_url(c.pk),
        reference=c.reference,
        subject=c.subject,
        channel=c.get_channel_display(),
        tags=tags,
        error=error,
        contact=c.contact,
        status=c.status,
        status_label=c.get_status_display(),
        priority_label=c.get_priority_display(),
        team=c.team.name,
        assignee=_assignee(c, can_work, csrf_token),
        cells=field_cells(c),
        updated=c.updated_at.isoformat() if c.updated_at else "",
        updated_ago=ago(c.updated_at),
    )


def _assignee(c: Any, can_work: bool, csrf_token: str) -> SafeString | str:
    if c.assignee:
        return conditional_escape(c.assignee)
    if not (can_work and c.is_open):
        return mark_safe('<span class="muted">Unassigned</span>')
    take = desk_url(c.pk, "desk-take")
    token = ""
    if csrf_token and csrf_token != "NOTPROVIDED":
        token = _html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
    return _html(
        '<form method="post" action="{take}" hx-post="{take}" hx-target="#row-{pk}"'
        ' hx-swap="outerHTML">{token}'
        '<input type="hidden" name="expected_version" value="{version}">'
        '<input type="hidden" name="from" value="inbox">'
        '<button type="submit" class="small">Take</button></form>',
        take=take,
        pk=c.pk,
        token=token,
        version=c.version,
    )


def field_cells(row: Any) -> SafeString:
    """One cell per row field, rendered by the contributing app's template."""
    extras = getattr(row, "extras", {})
    cells = []
    for row_field in contract.row_fields():
        value = extras.get(row_field.name)
        if row_field.cell is not None:
            html = row_field.cell(value, row)
        elif row_field.template:
            html = _template(row_field.template).render({"value": value, "row": row})
        else:
            html = conditional_escape("" if value is None else value)
        cells.append(_html("<td>{}</td>", mark_safe(html)))  # noqa: S308 - rendered above
    return mark_safe("".join(cells))  # noqa: S308 - each cell is escaped or a template


@lru_cache(maxsize=64)
def _template(name: str) -> Any:
    """The row field's template, found once per process (not once per row)."""
    return get_template(name)


HIT = (
    '<li class="hit hit-{kind}">\n    <a href="{href}">{label} {title}</a>\n'
    "    {meta}\n    {snippet}\n  </li>"
)
HIT_META = (
    '<span class="meta"><span class="status status-{status}">{status_label}</span> · '
    '{channel} · {team} · <time datetime="{iso}">{day}</time></span>'
)


def search_hit(h: Any) -> SafeString:
    """One ``<li>`` of the search results for the hit ``h`` (``search.Hit``): a search
    page lists up to fifty, and through the template each cost as much as an inbox row
    did. The day is the viewer's, as the ``date`` filter shows it."""
    if h.kind == "contact":
        label = mark_safe('<span class="kind">Contact</span>')
    else:
        label = _html('<span class="ref">#{}</span>', h.id)
    meta = ""
    if h.kind == "conversation":
        when = h.updated_at
        meta = _html(
            HIT_META,
            status=h.status,
            status_label=h.status_label,
            channel=h.channel,
            team=h.team,
            iso=when.isoformat() if when else "",
            day=dateformat.format(timezone.localtime(when), "j M Y") if when else "",
        )
    snippet = _html('<p class="snippet">{}</p>', h.snippet) if h.snippet else ""
    return _html(
        HIT, kind=h.kind, href=h.url, label=label, title=h.title, meta=meta, snippet=snippet
    )
