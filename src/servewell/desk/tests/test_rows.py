"""Inbox rows as an agent and a reviewer see them: what each may do, every value escaped."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from servewell.desk import conversations
from servewell.desk.models import Tag
from servewell.desk.tests.factories import make_contact, make_conversation

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def conv(care):
    conversation = make_conversation(
        care,
        contact=make_contact('Ruth <b>"Okafor"</b>'),
        subject="Lid <script>alert(1)</script> & handle",
    )
    conversation.tags.add(Tag.objects.create(name="kettles"), Tag.objects.create(name="<i>x</i>"))
    return conversation


def _row(html: str, pk: int) -> str:
    found = re.search(rf'<tr id="row-{pk}".*?</tr>', html, re.S)
    assert found, html
    return found.group(0)


def test_an_agents_row_escapes_every_value_and_offers_take_with_the_csrf_token(alice, conv, care):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get("/desk/?view=unassigned")
    row = _row(page.content.decode(), conv.pk)
    assert "<script>" not in row and "Lid &lt;script&gt;alert(1)&lt;/script&gt; &amp; handle" in row
    assert "Ruth &lt;b&gt;&quot;Okafor&quot;&lt;/b&gt;" in row
    assert '<span class="tag">kettles</span>' in row and "&lt;i&gt;x&lt;/i&gt;" in row
    assert f'value="{conv.pk}:{conv.version}"' in row  # the bulk pick
    assert f'href="/desk/c/{conv.pk}/"' in row and care.name in row
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row).group(1)
    taken = client.post(
        f"/desk/c/{conv.pk}/take/",
        {"expected_version": conv.version, "from": "inbox", "csrfmiddlewaretoken": token},
        **HTMX,
    )
    assert taken.status_code == 200  # the row's own token passes the CSRF check
    answered = _row(taken.content.decode(), conv.pk)
    assert "Alice" in answered and "csrfmiddlewaretoken" not in answered  # taken: no form


def test_a_reviewer_reads_rows_without_take_or_bulk_pick(client_as, quinn, conv):
    row = _row(client_as(quinn).get("/desk/?view=all").content.decode(), conv.pk)
    assert "Unassigned" in row
    assert "/take/" not in row and "row-pick" not in row


def test_a_refused_take_shows_its_reason_in_the_row(client_as, alice, lena, conv):
    conversations.take(lena, conv)
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/take/", {"expected_version": conv.version, "from": "inbox"}, **HTMX
    )
    assert response.status_code == 409
    row = _row(response.content.decode(), conv.pk)
    assert 'role="alert"' in row and "Lena" in row


def test_the_inbox_reads_the_same_queries_for_three_rows_or_thirty(client_as, alice, care):
    """A row shows its team, assignee and contact from the page's one read of the rows:
    none of what it shows is left for a query of its own (the rows read only some
    columns of those)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def made(count: int) -> None:
        for n in range(count):
            c = make_conversation(care, contact=make_contact(f"Customer {n}"))
            c = conversations.take(alice, c, expected_version=c.version)
            c.tags.add(Tag.objects.get_or_create(name=f"tag{n % 3}")[0])

    client = client_as(alice)
    made(3)
    client.get("/desk/?view=all")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/desk/?view=all")
    assert page.content.decode().count("Customer ") == 3
    made(27)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/desk/?view=all&size=50")
    html = page.content.decode()
    assert html.count("Customer ") == 30 and html.count(">Alice") >= 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


#: The hit as the search results template wrote it before ``rows.search_hit``.
HIT_TEMPLATE = """<li class="hit hit-{{ h.kind }}">
    <a href="{{ h.url }}">{% if h.kind == "contact" %}<span class="kind">Contact</span>{% else %}<span class="ref">#{{ h.id }}</span>{% endif %} {{ h.title }}</a>
    {% if h.kind == "conversation" %}<span class="meta"><span class="status status-{{ h.status }}">{{ h.status_label }}</span> · {{ h.channel }} · {{ h.team }} · <time datetime="{{ h.updated_at.isoformat }}">{{ h.updated_at|date:"j M Y" }}</time></span>{% endif %}
    {% if h.snippet %}<p class="snippet">{{ h.snippet }}</p>{% endif %}
  </li>"""  # noqa: E501


@pytest.mark.parametrize("kind", ["conversation", "contact"])
def test_a_search_hit_is_the_html_the_template_wrote_in_the_viewers_day(kind, settings):
    from datetime import UTC, datetime

    from django.template import Context, Template
    from django.utils import timezone
    from django.utils.safestring import mark_safe

    from servewell.desk.rows import search_hit
    from servewell.desk.search import Hit

    hit = Hit(
        kind=kind,
        id=42,
        title=mark_safe("Lid <mark>kettle</mark> &amp; handle"),
        snippet=mark_safe("the <mark>kettle</mark> &lt;b&gt;"),
        score=1.0,
        status="open",
        status_label='Open <"now">',
        channel="Email & co",
        team="Care <b>",
        updated_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
    )
    with timezone.override("Asia/Tokyo"):  # 08:30 on 2 March there
        mine = str(search_hit(hit))
        before = Template(HIT_TEMPLATE).render(Context({"h": hit}))
    assert mine.split() == before.split()
    if kind == "conversation":
        assert "2 Mar 2026" in mine and "Care &lt;b&gt;" in mine and "Email &amp; co" in mine
        assert "Open &lt;&quot;now&quot;&gt;" in mine and 'href="/desk/c/42/"' in mine
    else:
        assert "Contact" in mine and 'class="meta"' not in mine


def test_search_results_list_each_hit_once_with_its_link(client_as, alice, conv):
    page = client_as(alice).get("/desk/search/?q=handle", HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count(f'href="/desk/c/{conv.pk}/"') == 1
    assert "&lt;script&gt;" in html and "<script>" not in html
