"""Macros: placeholders filled safely, status and tags applied with the reply."""

from __future__ import annotations

import pytest

from servewell.core.errors import DomainError
from servewell.desk import macros
from servewell.desk.models import MessageKind, Status
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.people import accounts


@pytest.fixture
def conv(care):
    return make_conversation(care, contact=make_contact("Ruth Okafor"), subject="Kettle")


def test_placeholders_are_filled_from_the_conversation(alice, conv):
    text = macros.render(
        "Hi {{ contact.first_name }}, {{agent.name}} here about {{ conversation.reference }}.",
        conversation=conv,
        agent=alice,
    )
    assert text == f"Hi Ruth, Alice here about #{conv.pk}."


def test_template_code_in_a_name_stays_text(alice, care):
    sneaky = make_conversation(care, contact=make_contact("{{ agent.name }} {% debug %}"))
    text = macros.render("Dear {{ contact.name }}", conversation=sneaky, agent=alice)
    assert text == "Dear {{ agent.name }} {% debug %}"


def test_unknown_placeholders_are_refused_when_saving(adam):
    with pytest.raises(DomainError) as caught:
        macros.create_macro(adam, name="Oops", body="Hi {{ contact.password }}")
    assert caught.value.field == "body" and "contact.password" in caught.value.message


def test_applying_a_macro_replies_sets_status_and_adds_tags(adam, alice, conv):
    macro = macros.create_macro(
        adam,
        name="Refund sent",
        body="Hello {{ contact.first_name }}, your refund is on its way.",
        set_status=Status.SOLVED,
        add_tags="Refund, kettle",
    )
    message = macros.apply_macro(alice, conv, macro, expected_version=conv.version)
    conv.refresh_from_db()
    assert message.kind == MessageKind.REPLY
    assert message.body_text == "Hello Ruth, your refund is on its way."
    assert conv.status == Status.SOLVED
    assert sorted(t.name for t in conv.tags.all()) == ["kettle", "refund"]
    assert conv.activities.filter(verb="macro_applied", data__macro=macro.pk).exists()


def test_the_agent_may_edit_the_macro_text_before_sending(adam, alice, conv):
    macro = macros.create_macro(adam, name="Thanks", body="Thanks!")
    message = macros.apply_macro(
        alice, conv, macro, expected_version=conv.version, body_text="Thanks a lot, Ruth!"
    )
    assert message.body_text == "Thanks a lot, Ruth!"


@pytest.mark.parametrize("door", ["page", "api"])
def test_leave_out_signature_holds_for_a_macro_reply_too(client_as, adam, alice, conv, door):
    """The composer's "leave out my signature" box and the API's ``sign`` both reach a
    reply sent from a macro, not only a typed one."""
    accounts.set_signature(alice, "Alice, Care team")
    macro = macros.create_macro(adam, name="Thanks", body="Thanks, {{ contact.first_name }}!")
    client = client_as(alice)
    if door == "page":
        response = client.post(
            f"/desk/c/{conv.pk}/messages/",
            {
                "kind": "reply",
                "macro": macro.pk,
                "body_text": "Thanks, Ruth!",
                "expected_version": conv.version,
                "no_signature": "on",
            },
        )
    else:
        response = client.post(
            f"/api/conversations/{conv.pk}/apply-macro/",
            {"macro": macro.pk, "expected_version": conv.version, "sign": False},
            content_type="application/json",
        )
    assert response.status_code in (200, 302), response.content
    assert conv.messages.get(kind="reply").body_text == "Thanks, Ruth!"
    signed = macros.apply_macro(alice, conv, macro, expected_version=None)
    assert signed.body_text.endswith("Alice, Care team")


def test_a_macro_without_text_only_changes_fields(adam, alice, conv):
    macro = macros.create_macro(adam, name="Park it", set_status=Status.ON_HOLD)
    assert macros.apply_macro(alice, conv, macro, expected_version=conv.version) is None
    conv.refresh_from_db()
    assert conv.status == Status.ON_HOLD and not conv.messages.filter(kind="reply").exists()


def test_team_macros_are_offered_to_that_team_only(adam, alice, bob, care, orders):
    macros.create_macro(adam, name="Shared", body="Hello")
    macros.create_macro(adam, name="Care only", body="Hello", team=care)
    macros.create_macro(adam, name="Orders only", body="Hello", team=orders)
    assert [m.name for m in macros.macros_for(alice)] == ["Care only", "Shared"]
    assert [m.name for m in macros.macros_for(bob)] == ["Orders only", "Shared"]


def test_the_macros_page_lists_them_and_shows_how_to_write_a_placeholder(client_as, adam, care):
    macros.create_macro(adam, name="Greeting", body="Hello {{ contact.first_name }},")
    response = client_as(adam).get("/desk/macros/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Greeting" in page
    assert "{{ contact.first_name }}" in page  # the hint, written out, not rendered


def test_a_macro_edit_in_the_app_audits_the_old_text_before_and_the_new_after(client_as, adam):
    from servewell.core.models import AuditEntry

    macro = macros.create_macro(adam, name="Refund sent", body="Your refund is on its way.")
    response = client_as(adam).post(
        f"/desk/macros/{macro.pk}/",
        {"name": "Refund sent", "body": "Your refund was sent today.", "add_tags": ""},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="macro.updated").latest("id")
    assert entry.before == {"body": "Your refund is on its way."}
    assert entry.after == {"body": "Your refund was sent today."}
