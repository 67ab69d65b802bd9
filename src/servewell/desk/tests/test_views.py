"""The desk pages through the test client: inbox, conversation page and its actions."""

from __future__ import annotations

import re

import pytest

from servewell.desk import conversations, macros
from servewell.desk.models import Conversation, MessageKind, Status
from servewell.desk.tests.factories import make_contact, make_conversation

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def conv(care):
    return make_conversation(care, contact=make_contact("Ruth Okafor"), subject="Kettle lid")


# --- Inbox -------------------------------------------------------------------------------


def test_inbox_shows_team_unassigned_with_a_take_button(client_as, alice, conv):
    page = client_as(alice).get("/desk/?view=unassigned")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kettle lid" in html and f'action="/desk/c/{conv.pk}/take/"' in html


def test_take_from_the_inbox_in_one_click(client_as, alice, conv):
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/take/",
        {"expected_version": conv.version, "from": "inbox"},
        **HTMX,
    )
    assert response.status_code == 200
    conv.refresh_from_db()
    assert conv.assignee == alice
    assert f'id="row-{conv.pk}"' in response.content.decode()
    assert "Alice" in response.content.decode()


def test_take_a_conversation_someone_just_took_says_so(client_as, alice, lena, conv):
    conversations.take(lena, conv)
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/take/", {"expected_version": 1, "from": "inbox"}, **HTMX
    )
    assert response.status_code == 409
    assert "assigned to Lena" in response.content.decode()
    conv.refresh_from_db()
    assert conv.assignee == lena


def test_inbox_mine_lists_only_my_open_conversations(client_as, alice, care):
    mine = make_conversation(care, subject="Mine to answer")
    conversations.take(alice, mine)
    make_conversation(care, subject="Somebody else's")
    html = client_as(alice).get("/desk/").content.decode()
    assert "Mine to answer" in html and "Somebody else" not in html


def test_inbox_of_another_team_is_not_visible(client_as, bob, conv):
    html = client_as(bob).get("/desk/?view=all").content.decode()
    assert "Kettle lid" not in html


def test_bad_filters_are_explained_not_crashed(client_as, alice):
    response = client_as(alice).get("/desk/?view=bogus&status=nope")
    assert response.status_code == 400
    assert "Choose one of" in response.content.decode()
    assert client_as(alice).get("/desk/?cursor=@@@").status_code == 400


def test_saved_view_keeps_filters_and_can_be_deleted(client_as, alice, care):
    client = client_as(alice)
    tagged = make_conversation(care, subject="Tagged one", tags=["vip"])
    make_conversation(care, subject="Plain one")
    response = client.post(
        "/desk/views/save/", {"name": "VIPs", "view": "open", "tag": "vip", "status": ""}
    )
    assert response.status_code == 302
    saved = alice.saved_views.get()
    assert saved.filters == {"view": "open", "tag": "vip"}
    html = client.get(response["Location"]).content.decode()
    assert "Tagged one" in html and "Plain one" not in html and "VIPs" in html
    assert tagged.pk
    client.post(f"/desk/views/{saved.pk}/delete/")
    assert not alice.saved_views.exists()


def test_load_more_appends_the_next_rows(client_as, alice, care):
    for n in range(30):
        make_conversation(care, subject=f"Question {n:02d}")
    client = client_as(alice)
    first = client.get("/desk/?view=open").content.decode()
    assert first.count('class="conv-link"') == 25
    cursor = re.search(r"cursor=([\w-]+)", first).group(1)
    more = client.get(f"/desk/?view=open&cursor={cursor}", **HTMX).content.decode()
    assert more.count('class="conv-link"') == 5
    assert "<html" not in more


def test_inbox_query_count_does_not_grow_with_rows(
    client_as, alice, care, django_assert_max_num_queries
):
    for n in range(40):
        make_conversation(care, subject=f"Q{n}", tags=["a", "b"])
    client = client_as(alice)
    client.get("/desk/?view=open")  # warm the session
    # 12: the page, its rows, the session and user, one for the SLA due times and one
    # for the people the bulk bar offers as assignees.
    with django_assert_max_num_queries(12):
        client.get("/desk/?view=open&size=25")
    with django_assert_max_num_queries(12):
        client.get("/desk/?view=open&size=100")


# --- Conversation page -------------------------------------------------------------------


def test_conversation_page_shows_thread_fields_and_contact_history(client_as, alice, care, conv):
    make_conversation(care, contact=conv.contact, subject="Earlier toaster question")
    html = client_as(alice).get(f"/desk/c/{conv.pk}/").content.decode()
    assert "Kettle lid" in html and "Ruth Okafor" in html
    assert "Earlier toaster question" in html
    assert 'name="expected_version"' in html and 'id="conv-version"' in html
    assert "<script>" not in html.replace('<script src="', "")


def test_conversation_of_another_team_is_404(client_as, bob, conv):
    assert client_as(bob).get(f"/desk/c/{conv.pk}/").status_code == 404


def test_reply_with_htmx_updates_thread_panel_and_version(client_as, alice, conv):
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/messages/",
        {"body_text": "We will send a new lid today.", "kind": "reply", "expected_version": 1},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="thread" hx-swap-oob="true"' in html
    assert 'id="conv-version" name="expected_version" value="2"' in html
    assert "Reply sent." in html
    conv.refresh_from_db()
    assert conv.status == Status.PENDING


def _swapped(html: str) -> set[str]:
    """The ids of the regions an htmx answer replaces out of band."""
    return set(re.findall(r'id="([\w-]+)"[^>]*hx-swap-oob="true"', html))


def test_an_answer_to_an_action_refreshes_only_what_the_action_changed(client_as, alice, conv):
    """A note adds to the thread and the activity; it leaves the contact's history and
    the other apps' panels as they are (nothing there changed), and never touches the
    composer's draft except to empty it after sending."""
    client = client_as(alice)
    html = client.post(
        f"/desk/c/{conv.pk}/messages/",
        {"body_text": "Called the courier.", "kind": "note", "expected_version": 1},
        **HTMX,
    ).content.decode()
    swapped = _swapped(html)
    assert {"thread", "panel-details", "panel-activity", "conv-version", "composer"} <= swapped
    assert "panel" not in swapped and "panel-contact" not in swapped
    assert "Called the courier." in html and 'id="contact-h"' not in html
    # The reply moves the status (open to pending): the contact's history shows it.
    version = Conversation.objects.get(pk=conv.pk).version
    html = client.post(
        f"/desk/c/{conv.pk}/messages/",
        {"body_text": "A new lid is on its way.", "kind": "reply", "expected_version": version},
        **HTMX,
    ).content.decode()
    assert "panel-contact" in _swapped(html)
    assert 'class="status status-pending">Pending' in html
    # Following changes the fields' block only; a change of priority leaves the status
    # and so the history alone.
    html = client.post(f"/desk/c/{conv.pk}/follow/", {"on": "1"}, **HTMX).content.decode()
    assert _swapped(html) >= {"panel-details", "panel-activity"}
    assert "panel-contact" not in _swapped(html) and "thread" not in _swapped(html)
    conv.refresh_from_db()
    fields = {
        "expected_version": conv.version,
        "status": conv.status,
        "priority": "high",
        "team": conv.team_id,
        "assignee": "",
        "tags": "",
    }
    html = client.post(f"/desk/c/{conv.pk}/update/", fields, **HTMX).content.decode()
    assert "panel-contact" not in _swapped(html) and "thread" not in _swapped(html)
    assert "composer" not in _swapped(html), "a draft being typed stays"


def test_a_refused_action_refreshes_the_whole_conversation(client_as, alice, lena, conv):
    conversations.add_note(lena, conv, body_text="Customer is a baker.")
    html = (
        client_as(alice)
        .post(f"/desk/c/{conv.pk}/take/", {"expected_version": 1}, **HTMX)
        .content.decode()
    )
    assert {"thread", "panel", "conv-version"} <= _swapped(html)
    assert "Customer is a baker." in html and 'id="contact-h"' in html


def test_stale_reply_is_refused_keeping_the_draft_and_showing_what_changed(
    client_as, alice, lena, conv
):
    conversations.add_note(lena, conv, body_text="Customer is a baker; lids are urgent.")
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/messages/",
        {"body_text": "My careful draft", "kind": "reply", "expected_version": 1},
        **HTMX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed since you opened it" in html and "Lena" in html
    assert "My careful draft" in html, "the draft is kept"
    assert "lids are urgent" in html, "the fresh thread is shown"
    assert not conv.messages.filter(kind=MessageKind.REPLY).exists()


def test_note_without_javascript_redirects_back(client_as, alice, conv):
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/messages/",
        {"body_text": "Internal only", "kind": "note", "expected_version": 1},
    )
    assert response.status_code == 302 and response["Location"] == f"/desk/c/{conv.pk}/"
    assert conv.messages.filter(kind=MessageKind.NOTE).count() == 1


def test_empty_reply_is_a_400_with_the_reason(client_as, alice, conv):
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/messages/", {"body_text": "", "expected_version": 1}, **HTMX
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_update_fields_and_conflict(client_as, alice, lena, conv):
    client = client_as(alice)
    data = {
        "expected_version": 1,
        "status": "on_hold",
        "priority": "high",
        "team": conv.team_id,
        "assignee": lena.pk,
        "tags": "lid, kettle",
    }
    assert client.post(f"/desk/c/{conv.pk}/update/", data, **HTMX).status_code == 200
    conv.refresh_from_db()
    assert (conv.status, conv.priority, conv.assignee) == ("on_hold", "high", lena)
    stale = client.post(f"/desk/c/{conv.pk}/update/", {**data, "status": "solved"}, **HTMX)
    assert stale.status_code == 409
    conv.refresh_from_db()
    assert conv.status == "on_hold"


def test_follow_toggle(client_as, alice, conv):
    client = client_as(alice)
    client.post(f"/desk/c/{conv.pk}/follow/", {"on": "1"}, **HTMX)
    assert conv.followers.filter(pk=alice.pk).exists()
    html = client.post(f"/desk/c/{conv.pk}/follow/", {"on": "0"}, **HTMX).content.decode()
    assert not conv.followers.exists() and "Follow" in html


def test_merge_redirects_to_the_target(client_as, alice, care, conv):
    other = make_conversation(care, contact=conv.contact, subject="Same kettle")
    response = client_as(alice).post(
        f"/desk/c/{other.pk}/merge/", {"target": f"#{conv.pk}"}, **HTMX
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/desk/c/{conv.pk}/"
    other.refresh_from_db()
    assert other.merged_into == conv


def test_merge_into_an_invisible_conversation_is_refused(client_as, alice, orders, conv):
    hidden = make_conversation(orders)
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/merge/", {"target": str(hidden.pk)}, **HTMX
    )
    assert response.status_code == 400
    hidden.refresh_from_db()
    assert hidden.merged_into is None and Conversation.objects.get(pk=conv.pk).merged_into is None


def test_split_a_message(client_as, alice, conv):
    extra = conversations.add_customer_message(
        conv, contact=conv.contact, now=conv.created_at, body_text="Also: invoice wrong"
    )
    response = client_as(alice).post(f"/desk/messages/{extra.pk}/split/", {"subject": "Invoice"})
    new = Conversation.objects.get(subject="Invoice")
    assert response.status_code == 302 and response["Location"] == f"/desk/c/{new.pk}/"


def test_log_a_call_from_the_page(client_as, alice, conv):
    response = client_as(alice).post(
        f"/desk/c/{conv.pk}/call/",
        {"duration": "4:05", "direction": "inbound", "notes": "Walked through the reset"},
        **HTMX,
    )
    assert response.status_code == 200
    call = conv.messages.get(kind=MessageKind.CALL)
    assert call.call_seconds == 245
    assert "4:05" in response.content.decode()
    bad = client_as(alice).post(f"/desk/c/{conv.pk}/call/", {"duration": "long"}, **HTMX)
    assert bad.status_code == 400


def test_macro_preview_fills_the_composer(client_as, adam, alice, conv):
    macro = macros.create_macro(adam, name="Hello", body="Hi {{ contact.first_name }}!")
    html = client_as(alice).get(f"/desk/c/{conv.pk}/macro/?macro_pick={macro.pk}").content.decode()
    assert "Hi Ruth!" in html and f'name="macro" value="{macro.pk}"' in html


def test_quality_reviewer_reads_but_cannot_reply(client_as, quinn, conv):
    client = client_as(quinn)
    html = client.get(f"/desk/c/{conv.pk}/").content.decode()
    assert "Kettle lid" in html and 'id="composer"' not in html
    response = client.post(
        f"/desk/c/{conv.pk}/messages/", {"body_text": "x", "expected_version": 1}
    )
    assert response.status_code == 403


# --- Presence ----------------------------------------------------------------------------


def test_colleagues_see_each_other_viewing_and_replying(client_as, alice, lena, conv, client):
    from django.test import Client

    lena_client = Client()
    lena_client.force_login(lena)
    lena_client.post(f"/desk/c/{conv.pk}/presence/", {"state": "replying"})
    html = client_as(alice).post(f"/desk/c/{conv.pk}/presence/", {"state": "viewing"})
    assert "Lena is writing a reply" in html.content.decode()
    seen = lena_client.post(f"/desk/c/{conv.pk}/presence/", {"state": "replying"})
    assert "Alice is viewing" in seen.content.decode()


def test_presence_warns_when_my_copy_is_stale(client_as, alice, lena, conv):
    conversations.add_note(lena, conv, body_text="x")
    html = client_as(alice).post(
        f"/desk/c/{conv.pk}/presence/", {"state": "viewing", "expected_version": 1}
    )
    assert "changed this conversation since you loaded it" in html.content.decode()


def test_presence_rejects_unknown_state(client_as, alice, conv):
    response = client_as(alice).post(f"/desk/c/{conv.pk}/presence/", {"state": "dancing"})
    assert response.status_code == 400


# --- Contacts, search, macros, settings -------------------------------------------------


def test_contact_page_and_merge(client_as, alice, care, conv):
    dup = make_contact("R. Okafor")
    make_conversation(care, contact=dup, subject="Phone about lid")
    client = client_as(alice)
    html = client.get(f"/desk/contacts/{conv.contact_id}/").content.decode()
    assert "Kettle lid" in html
    response = client.post(f"/desk/contacts/{dup.pk}/merge/", {"target": conv.contact_id})
    assert response["Location"] == f"/desk/contacts/{conv.contact_id}/"
    html = client.get(response["Location"]).content.decode()
    assert "Phone about lid" in html


def test_search_page_highlights(client_as, alice, conv):
    html = client_as(alice).get("/desk/search/?q=kettle").content.decode()
    assert "<mark>Kettle</mark>" in html


def test_macros_are_managed_by_desk_admins_only(client_as, adam, alice):
    assert client_as(alice).get("/desk/macros/new/").status_code == 403
    client = client_as(adam)
    response = client.post(
        "/desk/macros/new/",
        {"name": "Thanks", "body": "Thanks {{ contact.first_name }}", "set_status": "solved"},
    )
    assert response.status_code == 302
    bad = client.post("/desk/macros/new/", {"name": "Bad", "body": "{{ secret }}"})
    assert bad.status_code == 400 and "Unknown placeholder" in bad.content.decode()


def test_lead_turns_on_round_robin_for_their_team(client_as, lena, care, orders):
    client = client_as(lena)
    html = client.get("/desk/settings/").content.decode()
    assert "Care" in html and "Orders" not in html
    client.post("/desk/settings/", {"team": care.pk, "round_robin": "on"})
    assert care.desk_settings.round_robin is True
    assert client.post("/desk/settings/", {"team": orders.pk}).status_code == 404


def test_contact_gets_another_address_from_the_page(client_as, alice, conv):
    client = client_as(alice)
    client.post(
        f"/desk/contacts/{conv.contact_id}/add/", {"kind": "phone", "value": "+44 20 7946 0018"}
    )
    assert conv.contact.phones.get().number == "+442079460018"
    response = client.post(
        f"/desk/contacts/{conv.contact_id}/add/", {"kind": "email", "value": "nope"}, follow=True
    )
    assert "is not an email address" in response.content.decode()


def test_conversation_page_query_count_does_not_grow_with_the_thread(
    client_as, alice, care, django_assert_max_num_queries
):
    short = make_conversation(care)
    long = make_conversation(care)
    for n in range(15):
        conversations.add_note(alice, long, body_text=f"Note {n}")
        conversations.add_customer_message(
            long, contact=long.contact, now=long.created_at, body_text=f"Again {n}"
        )
    client = client_as(alice)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(f"/desk/c/{short.pk}/")
    with CaptureQueriesContext(connection) as small:
        client.get(f"/desk/c/{short.pk}/")
    with django_assert_max_num_queries(len(small)):
        client.get(f"/desk/c/{long.pk}/")
