"""The app contract: what each app adds is declared once and checked at start-up."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from servewell.core import contract
from servewell.core.contract import AppContract, ContractError, ExtensionPoint


def test_every_installed_servewell_app_declares_a_contract():
    from django.apps import apps

    labels = {c.label for c in contract.contracts()}
    ours = {a.label for a in apps.get_app_configs() if a.name.startswith("servewell.")}
    assert ours <= labels


def test_every_menu_entry_points_at_a_real_page():
    for item in contract.nav_items():
        assert reverse(item.url_name)


def test_a_second_different_contract_for_one_app_is_refused():
    with pytest.raises(ContractError, match="two different contracts"):
        contract.register(AppContract(label="desk"))


def test_a_contribution_of_the_wrong_type_is_refused():
    point: ExtensionPoint[Callable] = ExtensionPoint("test.hooks", Callable, "for this test")
    with pytest.raises(ContractError, match="takes"):
        contract.register(AppContract(label="test-wrong", extends={point: ("not callable",)}))
    with pytest.raises(ContractError, match="NavItem"):
        contract.register(AppContract(label="test-nav", nav=("Inbox",)))


def test_a_fast_route_must_be_an_api_path_nobody_else_answers():
    taken = contract.FastRoute("POST", "/api/queue/events/", "x:y", query=(("respond", "async"),))
    with pytest.raises(ContractError, match="is taken"):
        contract.register(AppContract(label="test-fast-taken", fast_routes=(taken,)))
    page = contract.FastRoute("POST", "/inbox/", "x:y")
    with pytest.raises(ContractError, match="under /api/"):
        contract.register(AppContract(label="test-fast-page", fast_routes=(page,)))


def test_demo_steps_run_people_before_conversations_before_reviews():
    order = [step.load for _app, step in contract.demo_steps()]
    people = order.index("servewell.people.demo:load_people_demo")
    desk = order.index("servewell.desk.demo:load_desk_demo")
    quality = order.index("servewell.quality.demo:load_quality_demo")
    assert people < desk < quality


@pytest.mark.django_db
def test_the_api_schema_documents_the_due_row_field(client):
    schema = client.get("/api/schema/?format=json").json()
    conversation = schema["components"]["schemas"]["ConversationOut"]["properties"]
    assert "due" in conversation
    assert "$ref" in str(conversation["due"]) or conversation["due"].get("type") == "object"


def test_the_polls_of_an_open_conversation_run_on_the_poll_thread_and_pages_do_not():
    polls = contract.poll_paths()
    assert polls is not None
    for path in ("/desk/c/12/presence/", "/commitments/c/12/clocks/"):
        assert polls.match(path), path
        assert reverse_path_resolves(path)
    for path in ("/desk/c/12/", "/desk/c/12/presence/extra", "/desk/", "/x/desk/c/12/presence/"):
        assert not polls.match(path), path


def reverse_path_resolves(path: str) -> bool:
    from django.urls import resolve

    return resolve(path) is not None


def test_a_poll_path_that_is_not_a_pattern_is_refused():
    with pytest.raises(ContractError, match="poll path"):
        contract.register(AppContract(label="test-poll", polls=("/desk/c/(\\d+/",)))


def test_a_live_watch_or_a_stream_door_somebody_else_has_is_refused():
    """Two apps answering ``?conversation=`` on the stream, or one path, would each
    silently lose to the other: start-up stops instead."""
    watch = contract.LiveWatch(
        "conversation", enter=print, state=lambda u, pk: [], renew=print, leave=print
    )
    with pytest.raises(ContractError, match="is taken"):
        contract.register(AppContract(label="test-watch-taken", watches=(watch,)))
    with pytest.raises(ContractError, match="not a LiveWatch"):
        contract.register(AppContract(label="test-watch-type", watches=("conversation",)))
    door = contract.StreamDoor("/queue/stream/", "x:y")
    with pytest.raises(ContractError, match="taken"):
        contract.register(AppContract(label="test-door-taken", doors=(door,)))
    assert "conversation" in contract.live_watches()
    assert [d.path for d in contract.stream_doors()] == ["/queue/stream/"]
