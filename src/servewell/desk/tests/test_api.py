"""The desk's REST API: every endpoint, its 4xx answers and its query counts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from servewell.contacts.models import Contact
from servewell.desk import conversations, macros
from servewell.desk.models import Conversation, MessageKind, Status
from servewell.desk.tests.factories import make_contact, make_conversation


@pytest.fixture
def conv(care):
    return make_conversation(care, contact=make_contact("Ruth Okafor"), subject="Kettle lid")


def url(conv, action=""):
    return f"/api/conversations/{conv.pk}/" + (f"{action}/" if action else "")


# --- Conversations -----------------------------------------------------------------------


def test_list_pages_by_cursor_with_constant_queries(
    api, alice, care, django_assert_max_num_queries
):
    for n in range(12):
        make_conversation(care, subject=f"Question {n}", tags=["x"])
    client = api(alice)
    with django_assert_max_num_queries(6):
        first = client.get("/api/conversations/?view=open&page_size=5").json()
    assert len(first["results"]) == 5 and first["next"]
    with django_assert_max_num_queries(6):
        second = client.get(first["next"]).json()
    with django_assert_max_num_queries(6):
        client.get("/api/conversations/?view=open&page_size=12")
    seen = [c["id"] for c in first["results"] + second["results"]]
    assert len(set(seen)) == 10
    assert first["results"][0]["tags"] == ["x"]


@pytest.mark.parametrize(
    "query",
    [
        "view=nope",
        "status=lost",
        "channel=fax",
        "team=x",
        "assignee=boss",
        "cursor=zzz",
        "page_size=0",
        "page_size=abc",
        "saved=999",
    ],
)
def test_list_bad_parameters_are_400_with_the_field(api, alice, query):
    response = api(alice).get(f"/api/conversations/?{query}")
    assert response.status_code in (400, 404), response.content
    assert response.status_code != 500


def test_create_opens_a_chat_conversation_for_a_contact(api, alice, care):
    response = api(alice).post(
        "/api/conversations/",
        {
            "team": care.pk,
            "subject": "Chat: oven clock",
            "body_text": "The clock blinks 00:00.",
            "channel": "chat",
            "contact": {"email": "Ruth@Example.org", "name": "Ruth Okafor"},
            "tags": ["oven"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "chat" and body["status"] == "new" and body["tags"] == ["oven"]
    assert body["messages"][0]["body_text"] == "The clock blinks 00:00."
    assert Contact.objects.get(pk=body["contact"]).name == "Ruth Okafor"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "team"),
        ({"team": 1, "subject": "x", "body_text": "y", "contact": {}}, "contact"),
        ({"team": 999, "subject": "x", "body_text": "y", "contact": {"phone": "+4930123"}}, "team"),
        (
            {
                "team": 1,
                "subject": "x",
                "body_text": "y",
                "channel": "email",
                "contact": {"email": "a@b.c"},
            },
            "channel",
        ),
        ({"team": 1, "subject": "x", "body_text": "y", "contact": {"phone": "12"}}, "phone"),
    ],
)
def test_create_bad_input_is_400_with_field_errors(api, alice, care, payload, field):
    if payload.get("team") == 1:
        payload["team"] = care.pk
    response = api(alice).post("/api/conversations/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.content.decode()


def test_create_in_a_team_i_am_not_in_is_refused(api, alice, orders):
    response = api(alice).post(
        "/api/conversations/",
        {"team": orders.pk, "subject": "x", "body_text": "y", "contact": {"phone": "+4930123"}},
        format="json",
    )
    assert response.status_code == 400 and "team" in response.json()


def test_retrieve_with_messages_and_404_outside_my_teams(api, alice, bob, conv):
    body = api(alice).get(url(conv)).json()
    assert body["reference"] == f"#{conv.pk}" and body["messages"][0]["kind"] == "customer"
    assert api(bob).get(url(conv)).status_code == 404
    assert api(alice).get("/api/conversations/abc/").status_code == 404


def test_patch_changes_fields_and_a_stale_version_gets_409_with_the_fresh_state(
    api, alice, lena, conv
):
    client = api(alice)
    response = client.patch(
        url(conv),
        {"expected_version": 1, "status": "open", "assignee": lena.pk, "tags": ["lid"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == lena.pk and response.json()["version"] == 2
    stale = client.patch(url(conv), {"expected_version": 1, "status": "solved"}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict" and body["current"]["version"] == 2
    assert body["current"]["status"] == "open" and body["current"]["tags"] == ["lid"]
    assert body["changes"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"expected_version": "x"},
        {"expected_version": 1, "status": "lost"},
        {"expected_version": 1, "priority": "meh"},
        {"expected_version": 1, "team": 99999},
        {"expected_version": 1, "assignee": 99999},
        {"expected_version": 1, "tags": "notalist"},
    ],
)
def test_patch_bad_input_is_400(api, alice, conv, payload):
    response = api(alice).patch(url(conv), payload, format="json")
    assert response.status_code == 400, response.content


def test_reply_note_take_follow(api, alice, conv):
    client = api(alice)
    reply = client.post(url(conv, "reply"), {"body_text": "On it", "expected_version": 1})
    assert reply.status_code == 201 and reply.json()["kind"] == "reply"
    assert (
        client.post(url(conv, "reply"), {"body_text": "Again", "expected_version": 1}).status_code
        == 409
    )
    assert client.post(url(conv, "reply"), {"body_text": "No version check"}).status_code == 201
    note = client.post(url(conv, "note"), {"body_text": "psst"})
    assert note.status_code == 201 and note.json()["kind"] == "note"
    assert client.post(url(conv, "take"), {}).json()["assignee"] == alice.pk
    assert client.post(url(conv, "follow")).json()["followers"] == [alice.pk]
    assert client.post(url(conv, "unfollow")).json()["followers"] == []
    assert client.post(url(conv, "reply"), {"body_text": ""}).status_code == 400
    assert client.post(url(conv, "note"), {}).status_code == 400
    assert client.post(url(conv, "take"), {"expected_version": "x"}).status_code == 400


def test_merge_split_and_call(api, alice, care, orders, conv):
    client = api(alice)
    other = make_conversation(care, contact=conv.contact, subject="Duplicate")
    merged = client.post(url(other, "merge"), {"target": conv.pk})
    assert merged.status_code == 200 and merged.json()["id"] == conv.pk
    assert client.post(url(conv, "merge"), {"target": conv.pk}).status_code == 400
    assert client.post(url(conv, "merge"), {"target": "x"}).status_code == 400
    hidden = make_conversation(orders)
    assert client.post(url(conv, "merge"), {"target": hidden.pk}).status_code == 400

    message = conv.messages.filter(kind=MessageKind.CUSTOMER).last()
    split = client.post(f"/api/messages/{message.pk}/split/", {"subject": "Separate"})
    assert split.status_code == 201 and split.json()["subject"] == "Separate"
    assert client.get(f"/api/messages/{message.pk}/").json()["conversation"] == split.json()["id"]
    only = Conversation.objects.get(pk=split.json()["id"]).messages.get()
    assert client.post(f"/api/messages/{only.pk}/split/", {}).status_code == 400

    call = client.post(url(conv, "call"), {"seconds": 90, "direction": "outbound", "notes": "ok"})
    assert call.status_code == 201 and call.json()["call_seconds"] == 90
    assert client.post(url(conv, "call"), {"seconds": -5}).status_code == 400
    assert client.post(url(conv, "call"), {"seconds": 5, "direction": "up"}).status_code == 400


def test_apply_macro_and_activity(api, adam, alice, conv):
    macro = macros.create_macro(
        adam, name="Done", body="Bye {{ contact.first_name }}", set_status=Status.SOLVED
    )
    client = api(alice)
    response = client.post(url(conv, "apply-macro"), {"macro": macro.pk, "expected_version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "solved"
    assert conv.messages.filter(kind="reply").get().body_text == "Bye Ruth"
    assert client.post(url(conv, "apply-macro"), {"macro": 9999}).status_code == 400
    assert client.post(url(conv, "apply-macro"), {}).status_code == 400
    activity = client.get(url(conv, "activity")).json()
    assert [a["verb"] for a in activity][:1] == ["opened"]
    assert any("applied the macro" in a["text"] for a in activity)


def test_quality_reviewer_may_read_but_not_write(api, quinn, conv):
    client = api(quinn)
    assert client.get(url(conv)).status_code == 200
    assert client.post(url(conv, "note"), {"body_text": "x"}).status_code == 403


def test_anonymous_is_refused(conv):
    assert APIClient().get("/api/conversations/").status_code in (401, 403)


# --- Contacts ----------------------------------------------------------------------------


def test_contacts_list_retrieve_update_add_merge_and_call(api, alice, care, conv):
    client = api(alice)
    listed = client.get("/api/contacts/").json()["results"]
    assert [c["id"] for c in listed] == [conv.contact_id]
    found = client.get("/api/contacts/", {"email": listed[0]["emails"][0].upper()}).json()
    assert len(found["results"]) == 1
    detail = client.get(f"/api/contacts/{conv.contact_id}/").json()
    assert detail["history"][0]["subject"] == "Kettle lid" and detail["hidden_conversations"] == 0
    patched = client.patch(f"/api/contacts/{conv.contact_id}/", {"organisation": "Bakery"})
    assert patched.json()["organisation"] == "Bakery"
    added = client.post(f"/api/contacts/{conv.contact_id}/add/", {"phone": "+44 20 7946 0018"})
    assert added.json()["phones"] == ["+442079460018"]
    dup = make_contact("Dup")
    make_conversation(care, contact=dup)
    merged = client.post(f"/api/contacts/{dup.pk}/merge/", {"target": conv.contact_id})
    assert merged.status_code == 200 and len(merged.json()["history"]) == 2
    call = client.post(f"/api/contacts/{conv.contact_id}/call/", {"team": care.pk, "seconds": 30})
    assert call.status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("patch", "", {"name": ""}),
        ("post", "add/", {}),
        ("post", "add/", {"email": "a@b.c", "phone": "+49301234"}),
        ("post", "add/", {"email": "not-an-email"}),
        ("post", "merge/", {"target": 999999}),
        ("post", "merge/", {}),
        ("post", "call/", {"seconds": 10}),
        ("post", "call/", {"team": 999999, "seconds": 10}),
    ],
)
def test_contact_bad_input_is_400(api, alice, conv, method, path, payload):
    response = getattr(api(alice), method)(
        f"/api/contacts/{conv.contact_id}/{path}", payload, format="json"
    )
    assert response.status_code == 400, response.content


def test_contact_list_bad_filter_is_400(api, alice):
    assert api(alice).get("/api/contacts/?email=nope").status_code == 400
    assert api(alice).get("/api/contacts/?phone=1").status_code == 400


def test_contacts_of_other_teams_are_invisible(api, bob, conv):
    assert api(bob).get(f"/api/contacts/{conv.contact_id}/").status_code == 404
    assert api(bob).get("/api/contacts/").json()["results"] == []


def test_contact_list_query_count(api, alice, care, django_assert_max_num_queries):
    for _ in range(8):
        make_conversation(care)
    with django_assert_max_num_queries(6):
        assert len(api(alice).get("/api/contacts/").json()["results"]) == 8


# --- Macros, saved views, search ---------------------------------------------------------


def test_macro_crud_for_admins_and_listing_for_agents(api, adam, alice, care):
    admin = api(adam)
    created = admin.post(
        "/api/macros/",
        {"name": "Hi", "body": "Hi {{ contact.first_name }}", "team": care.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert admin.patch(f"/api/macros/{pk}/", {"name": "Hello"}).json()["name"] == "Hello"
    assert [m["name"] for m in api(alice).get("/api/macros/").json()] == ["Hello"]
    assert api(alice).post("/api/macros/", {"name": "x", "body": "y"}).status_code == 403
    assert admin.post("/api/macros/", {"name": "x", "body": "{{ nope }}"}).status_code == 400
    assert admin.post("/api/macros/", {"body": "y"}).status_code == 400
    assert admin.post("/api/macros/", {"name": "x", "team": 9999, "body": "y"}).status_code == 400
    assert admin.post("/api/macros/", {"name": "x", "set_status": "zz"}).status_code == 400
    assert admin.patch(f"/api/macros/{pk}/", {"body": "{{ bad }}"}).status_code == 400
    assert admin.delete(f"/api/macros/{pk}/").status_code == 204


def test_saved_views(api, alice, care):
    client = api(alice)
    created = client.post(
        "/api/saved-views/",
        {"name": "Urgent open", "filters": {"view": "open", "status": "open"}},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.get("/api/saved-views/").json()[0]["name"] == "Urgent open"
    make_conversation(care)
    assert len(client.get(f"/api/conversations/?saved={pk}").json()["results"]) == 1
    bad = client.post(
        "/api/saved-views/", {"name": "x", "filters": {"status": "lost"}}, format="json"
    )
    assert bad.status_code == 400 and "status" in bad.json()
    assert client.post("/api/saved-views/", {"name": "x"}, format="json").status_code == 400
    assert client.delete(f"/api/saved-views/{pk}/").status_code == 204


def test_search_endpoint(api, alice, conv):
    conversations.add_note(alice, conv, body_text="The <b>hinge</b> is cracked")
    hits = api(alice).get("/api/search/", {"q": "hinge"}).json()["results"]
    assert hits[0]["id"] == conv.pk and "<mark>hinge</mark>" in hits[0]["snippet"]
    assert "<b>" not in hits[0]["snippet"], "customer markup never reaches the page"
    for query in (
        {},
        {"q": ""},
        {"q": "x", "limit": 0},
        {"q": "x", "limit": "a"},
        {"q": "x" * 201},
    ):
        assert api(alice).get("/api/search/", query).status_code == 400


def test_openapi_schema_documents_the_desk(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/conversations/{id}/reply/", "/api/contacts/{id}/merge/", "/api/search/"):
        assert path in schema


def test_the_schema_documents_the_inbox_list_as_one_page_object(client, db, api, alice, conv):
    page = api(alice).get("/api/conversations/").json()
    assert set(page) == {"next", "results"}
    schema = client.get("/api/schema/?format=json").json()
    answer = schema["paths"]["/api/conversations/"]["get"]["responses"]["200"]
    # It documented a list of pages: clients built from the schema could not read the page.
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ConversationPage"
    }
    page_schema = schema["components"]["schemas"]["ConversationPage"]
    assert set(page_schema["properties"]) == {"next", "results"}
