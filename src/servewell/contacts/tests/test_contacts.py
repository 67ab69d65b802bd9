"""One contact across addresses and phones; merging; the history beside a conversation."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servewell.contacts import contacts
from servewell.contacts.models import Contact
from servewell.core.errors import DomainError
from servewell.desk import contacts as desk_contacts
from servewell.desk.tests.factories import make_contact, make_conversation


def test_the_same_address_finds_the_same_contact_whatever_its_case(db):
    first = contacts.contact_for_email("Ruth Okafor <Ruth@Example.org>")
    again = contacts.contact_for_email("ruth@example.org")
    assert first == again and first.name == "ruth"


def test_merging_contacts_moves_addresses_phones_and_conversations(alice, care, commit, published):
    ruth = contacts.contact_for_email("ruth@example.org", "Ruth Okafor")
    dup = contacts.contact_for_phone("+44 20 7946 0018", "R. Okafor")
    contacts.update_contact(alice, dup, organisation="Okafor Bakery")
    conv = make_conversation(care, contact=dup)
    with commit():
        contacts.merge_contacts(alice, dup, ruth)
    conv.refresh_from_db()
    dup.refresh_from_db()
    ruth.refresh_from_db()
    assert conv.contact == ruth and dup.merged_into == ruth
    assert [p.number for p in ruth.phones.all()] == ["+442079460018"]
    assert ruth.organisation == "Okafor Bakery"
    assert contacts.contact_for_phone("+442079460018") == ruth
    assert ("contact.merged", published[-1][1]) == published[-1]


def test_merging_a_contact_twice_is_refused(alice):
    a, b, c = (make_contact() for _ in range(3))
    contacts.merge_contacts(alice, a, b)
    with pytest.raises(DomainError):
        contacts.merge_contacts(alice, a.__class__.objects.get(pk=a.pk), c)


def test_an_address_belongs_to_one_contact(alice):
    ruth, other = make_contact("Ruth Okafor"), make_contact("Other Person")
    contacts.add_email(alice, ruth, "ruth.work@example.org")
    with pytest.raises(DomainError) as caught:
        contacts.add_email(alice, other, "RUTH.WORK@example.org")
    assert caught.value.code == "duplicate"


def test_history_shows_every_channel_but_only_counts_other_teams(alice, care, orders, maria):
    ruth = make_contact("Ruth Okafor")
    contacts.add_phone(alice, ruth, "+49 30 1234567")
    make_conversation(care, contact=ruth, subject="Kettle", channel="email")
    make_conversation(care, contact=ruth, subject="Called about kettle", channel="phone")
    make_conversation(orders, contact=ruth, subject="Return label")
    mine = desk_contacts.contact_history(alice, ruth)
    assert [c.subject for c in mine.conversations] == ["Called about kettle", "Kettle"]
    assert (mine.hidden, mine.total) == (1, 3)
    everything = desk_contacts.contact_history(maria, ruth)
    assert len(everything.conversations) == 3 and everything.hidden == 0


def test_contact_needs_a_name(alice):
    with pytest.raises(DomainError):
        contacts.update_contact(alice, make_contact(), name="  ")
    assert Contact.objects.count() == 1


def _orders_customer(orders):
    from servewell.desk.tests.factories import make_conversation

    dana = contacts.contact_for_email("dana@customer.test", "Dana Private")
    contacts.update_contact(None, dana, notes="Disputed a refund in March")
    contacts.add_phone(None, dana, "+44 20 7946 0001")
    make_conversation(orders, contact=dana)
    return dana


def test_an_agent_cannot_open_another_teams_customer_by_their_address(api, alice, care, orders):
    dana = _orders_customer(orders)
    for who in ({"email": "DANA@customer.test"}, {"phone": "+44 20 7946 0001"}):
        response = api(alice).post(
            "/api/conversations/",
            {"team": care.pk, "subject": "Hello", "body_text": "Hi", "contact": who},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert "Dana" not in response.content.decode()
    assert not dana.conversations.filter(team=care).exists()
    assert api(alice).get(f"/api/contacts/{dana.pk}/").status_code == 404


def test_a_lead_or_manager_who_sees_the_customer_may_open_for_them(api, maria, care, orders):
    dana = _orders_customer(orders)
    response = api(maria).post(
        "/api/conversations/",
        {
            "team": care.pk,
            "subject": "Hello",
            "body_text": "Hi",
            "contact": {"email": "dana@customer.test"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert dana.conversations.filter(team=care).exists()


def test_adding_an_address_of_an_unseen_contact_does_not_name_them(api, alice, care, orders):
    from servewell.desk.tests.factories import make_conversation

    _orders_customer(orders)
    mine = make_conversation(care).contact
    for payload in ({"email": "dana@customer.test"}, {"phone": "+442079460001"}):
        response = api(alice).post(f"/api/contacts/{mine.pk}/add/", payload, format="json")
        assert response.status_code == 400, response.content
        body = response.content.decode()
        assert "Dana" not in body and "already on file for another contact" in body


_ATOM = st.text(alphabet="aZ09!#$%&'*+/=?^_`{|}~-.", min_size=1, max_size=8)
_DOMAIN = st.text(alphabet="aZ09-.", min_size=1, max_size=8)
_ODD = st.text(alphabet=' "<>()[],;:\\@\n\tXé.', max_size=4)


@settings(max_examples=400, deadline=None)
@given(_ATOM, _DOMAIN, _ODD, _ODD)
def test_an_address_normalises_the_same_by_the_quick_path_and_the_full_parse(
    local, domain, before, after
):
    """The quick path for bare addresses must agree with the full RFC 5322 parse on
    everything: plain addresses, dots in odd places, names, brackets, comments."""
    address = f"{before}{local}@{domain}{after}"
    _name, parsed = parseaddr(address)
    parsed = parsed.strip().lower()
    try:
        got = contacts.normalise_email(address)
    except DomainError:
        assert "@" not in parsed or len(parsed) > 254
    else:
        assert got == parsed
