"""Full-text search: ranked, highlighted, escaped, scoped — on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from servewell.contacts import contacts
from servewell.desk import conversations, merging, search
from servewell.desk.tests.factories import make_contact, make_conversation


@pytest.fixture(autouse=True)
def _engine_note():
    assert connection.vendor in {"sqlite", "postgresql"}


def test_subject_and_message_words_find_the_conversation_highlighted(alice, care):
    conv = make_conversation(
        care, subject="Broken kettle lid", body="The hinge snapped after two days of use."
    )
    make_conversation(care, subject="Invoice address", body="Please change my billing address.")
    by_subject = search.search(alice, "kettle")
    assert [h.id for h in by_subject] == [conv.pk]
    assert "<mark>" in by_subject[0].title and "kettle" in by_subject[0].title.lower()
    by_body = search.search(alice, "hinge")
    assert [h.id for h in by_body] == [conv.pk]
    assert "<mark>hinge</mark>" in by_body[0].snippet.lower()
    assert by_body[0].url == f"/desk/c/{conv.pk}/"


def test_replies_notes_and_calls_are_searchable_as_they_are_written(alice, care):
    conv = make_conversation(care)
    assert search.search(alice, "voucher") == []
    conversations.add_note(alice, conv, body_text="Offered a voucher for the delay.")
    assert [h.id for h in search.search(alice, "voucher")] == [conv.pk]


def test_stemming_finds_other_forms_of_a_word(alice, care):
    conv = make_conversation(care, subject="Refunds", body="I was refunded twice by mistake.")
    assert [h.id for h in search.search(alice, "refund")] == [conv.pk]


def test_a_subject_match_ranks_above_a_passing_mention(alice, care):
    mention = make_conversation(care, subject="Question", body="Also, the blender is loud.")
    subject = make_conversation(care, subject="Blender stopped working", body="It just stopped.")
    assert [h.id for h in search.search(alice, "blender")] == [subject.pk, mention.pk]


def test_customer_html_in_results_stays_text(alice, care):
    make_conversation(care, subject="<script>alert(1)</script> toaster", body="<b>toaster</b>")
    hit = search.search(alice, "toaster")[0]
    assert "<script>" not in hit.title and "&lt;script&gt;" in hit.title
    assert "<b>" not in hit.snippet


def test_other_teams_conversations_are_not_found(alice, orders, maria):
    other = make_conversation(orders, subject="Secret pallet order")
    assert search.search(alice, "pallet") == []
    assert [h.id for h in search.search(maria, "pallet")] == [other.pk]


def test_contacts_are_found_by_name_address_and_phone(alice, care):
    ruth = make_contact("Ruth Okafor", email="ruth.okafor@bakery.test")
    contacts.add_phone(alice, ruth, "+44 20 7946 0018")
    make_conversation(care, contact=ruth, subject="Bread slicer")
    for q in ("okafor", "ruth.okafor@bakery.test", "+44 20 7946 0018"):
        hits = [h for h in search.search(alice, q) if h.kind == "contact"]
        assert [h.id for h in hits] == [ruth.pk], q
        assert hits[0].url == f"/desk/contacts/{ruth.pk}/"


def test_contacts_without_conversations_in_my_teams_are_not_found(alice, bob, orders):
    ruth = make_contact("Ruth Okafor")
    make_conversation(orders, contact=ruth)
    assert [h for h in search.search(alice, "okafor") if h.kind == "contact"] == []
    assert [h.id for h in search.search(bob, "okafor") if h.kind == "contact"] == [ruth.pk]


def test_query_syntax_cannot_be_injected(alice, care):
    make_conversation(care, subject="Normal subject")
    for q in ['"', "subject:*", "NEAR(a b)", "a & | ! b", "'; DROP TABLE x; --", "***", ""]:
        search.search(alice, q)  # never raises
    assert search.search(alice, "   ") == []


def test_prefix_search_with_a_star(alice, care):
    conv = make_conversation(care, subject="Dishwasher leaking")
    assert [h.id for h in search.search(alice, "dishwa*")] == [conv.pk]


def test_merged_conversations_leave_the_results(alice, care):
    a = make_conversation(care, subject="Toaster smoke")
    b = make_conversation(care, subject="Toaster again")
    merging.merge(alice, b, a)
    assert [h.id for h in search.search(alice, "toaster")] == [a.pk]


def test_reindex_all_rebuilds_the_documents(alice, care):
    conv = make_conversation(care, subject="Mixer bowl cracked")
    assert search.reindex_all() >= 1
    assert [h.id for h in search.search(alice, "mixer")] == [conv.pk]


def test_moving_a_conversation_to_another_team_moves_it_out_of_my_results(alice, bob, care, orders):
    conv = make_conversation(care, subject="Pallet of kettles")
    assert [h.id for h in search.search(alice, "pallet")] == [conv.pk]
    conversations.update_conversation(alice, conv, expected_version=conv.version, team=orders)
    assert search.search(alice, "pallet") == []
    assert [h.id for h in search.search(bob, "pallet")] == [conv.pk]


def test_a_contact_hit_shows_the_name_and_addresses_not_the_index_text(alice, care):
    ruth = make_contact("Ruth Okafor", email="ruth.okafor@bakery.test")
    contacts.add_phone(alice, ruth, "+44 20 7946 0018")
    make_conversation(care, contact=ruth, subject="Bread slicer")
    (hit,) = [h for h in search.search(alice, "okafor") if h.kind == "contact"]
    assert "Ruth" in hit.title
    assert str(hit.snippet) == "ruth.okafor@bakery.test · +442079460018"


def test_the_team_kept_in_the_index_is_not_a_word_anyone_can_find(alice, care, orders):
    """The SQLite index keeps each conversation's team as a word of its own column
    (``t12``), PostgreSQL's as a lexeme with a space (``team 12``); searching for either
    finds nothing by it, on either engine."""
    make_conversation(care, subject="Kettle descaling")
    make_conversation(orders, subject="Pallet delivery")
    assert search.search(alice, f"t{care.pk}") == []
    assert search.search(alice, f"t{care.pk} kettle") == []
    assert search.search(alice, f"team {care.pk}") == []
    assert search.search(alice, f'"team {care.pk}"') == []
    assert [h.title for h in search.search(alice, "kettle")] != []


def test_a_search_of_stop_words_alone_finds_nothing_rather_than_everything(alice, care):
    """PostgreSQL drops stop words from a query: what remains must not widen the search
    to every conversation of the team. (SQLite keeps them as words: none is here.)"""
    make_conversation(care, subject="Kettle broken", body="Lid cracked on arrival.")
    assert [h for h in search.search(alice, "the") if h.kind == "conversation"] == []
    assert [h for h in search.search(alice, "the is") if h.kind == "conversation"] == []
    assert [h.kind for h in search.search(alice, "kettle")] == ["conversation"]


def test_my_older_matches_are_found_behind_many_newer_ones_of_other_teams(
    alice, care, orders, monkeypatch
):
    monkeypatch.setattr(search, "WINDOW", 3)
    mine = make_conversation(care, subject="Descaling the kettle")
    for n in range(6):
        make_conversation(orders, subject=f"Kettle pallet {n}")
    assert [h.id for h in search.search(alice, "kettle")] == [mine.pk]


def test_when_more_match_than_are_ranked_the_newest_of_my_team_are_shown(
    alice, care, orders, monkeypatch
):
    monkeypatch.setattr(search, "WINDOW", 3)
    mine = [make_conversation(care, subject=f"Kettle descaling {n}") for n in range(5)]
    make_conversation(orders, subject="Kettle pallet")
    found = {h.id for h in search.search(alice, "kettle")}
    assert found == {c.pk for c in mine[-3:]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_searches_are_planned_for_their_words_not_prepared_once(alice, care):
    """A prepared search settles on a plan made without its words (see
    ``_planned_for_values``); the connection's other statements stay prepared."""
    make_conversation(care, subject="Kettle lid", contact=make_contact("Ruth Kettle"))
    raw = connection.connection
    threshold = raw.prepare_threshold
    for word in ("kettle", "kettle", "lid", "kettle", "ruth"):
        assert search.search(alice, word)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE statement LIKE '%%desk_contact_search s%%'"
            " OR statement LIKE '%%desk_conversation_search s%%'"
        )
        assert cursor.fetchone()[0] == 0
    assert connection.connection.prepare_threshold == threshold


def test_a_common_word_is_ranked_from_my_teams_newest_and_a_rare_one_still_found(
    alice, care, monkeypatch
):
    """PostgreSQL reads the team's newest documents first (``PROBE``) and stops at
    ``WINDOW`` matches; a word rarer than that among them is looked up in full. Both ways
    give what the full ranking gives."""
    monkeypatch.setattr(search, "WINDOW", 3)
    monkeypatch.setattr(search, "PROBE", 6)
    rare = make_conversation(care, subject="Descaler question")
    kettles = [make_conversation(care, subject=f"Kettle lid {n}") for n in range(8)]
    probed = {h.id for h in search.search(alice, "kettle")}
    assert probed == {c.pk for c in kettles[-3:]}
    monkeypatch.setattr(search, "PROBE", 0)  # the full ranking alone
    assert {h.id for h in search.search(alice, "kettle")} == probed
    monkeypatch.setattr(search, "PROBE", 6)
    assert [h.id for h in search.search(alice, "descaler")] == [rare.pk]
