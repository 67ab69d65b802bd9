"""The navigation a person sees follows their roles, page after page, as they change."""

from __future__ import annotations

import re

from servewell.people.models import RoleGrant


def _nav(client) -> tuple[list[str], list[str]]:
    html = client.get("/desk/").content.decode()
    main = re.search(r'<nav id="site-nav".*?</nav>', html, re.S).group(0)
    admin = re.search(r'<ul class="admin-nav".*?</ul>', main, re.S)
    labels = re.findall(r">([^<>]+)</a></li>", main)
    admin_labels = re.findall(r">([^<>]+)</a></li>", admin.group(0)) if admin else []
    return labels, admin_labels


def test_an_agent_sees_no_administration_and_an_administrator_does(client, alice, adam):
    client.force_login(alice)
    agent_main, agent_admin = _nav(client)
    assert "Inbox" in agent_main and agent_admin == []
    client.force_login(adam)
    _main, admin_admin = _nav(client)
    assert admin_admin, "an administrator sees the administration entries"


def test_a_role_granted_shows_its_entries_on_the_next_page(client, alice, adam):
    client.force_login(adam)
    _main, admin_entries = _nav(client)
    client.force_login(alice)
    before_main, before_admin = _nav(client)
    RoleGrant.objects.create(user=alice, role="admin")
    after_main, after_admin = _nav(client)
    assert before_admin == [] and after_admin == admin_entries
    RoleGrant.objects.filter(user=alice, role="admin").delete()
    assert _nav(client) == (before_main, before_admin)


def test_the_current_section_is_marked_on_each_page(client, alice):
    client.force_login(alice)
    html = client.get("/desk/").content.decode()
    assert '<a href="/desk/" aria-current="page">Inbox</a>' in html
    page = client.get("/me/")
    assert page.status_code == 200
    assert '<a href="/desk/">Inbox</a>' in page.content.decode()
