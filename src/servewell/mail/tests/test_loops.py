from datetime import UTC, datetime, timedelta

import pytest

from servewell.mail import loops
from servewell.mail.intake import ingest
from servewell.mail.parsing import parse
from servewell.mail.tests import samples

NOW = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def test_a_person_writing_may_get_an_acknowledgement(care):
    allowed, reason = loops.may_auto_reply(parse(samples.plain()), "jo@example.com", NOW)
    assert allowed and reason == ""


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ({"Auto-Submitted": "auto-generated"}, "Auto-Submitted"),
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"Precedence": "list"}, "Precedence"),
        ({"Precedence": "junk"}, "Precedence"),
        ({"List-Id": "<news.example.com>"}, "List-Id"),
        ({"X-Autoreply": "yes"}, "x-autoreply"),
        ({"X-Autorespond": "yes"}, "x-autorespond"),
        ({"X-Auto-Response-Suppress": "All"}, "X-Auto-Response-Suppress"),
        ({"Return-Path": "<>"}, "null return path"),
    ],
)
def test_automatic_and_bulk_mail_gets_no_automatic_answer(care, extra, why):
    allowed, reason = loops.may_auto_reply(parse(samples.plain(extra=extra)), "jo@example.com", NOW)
    assert not allowed
    assert why in reason


@pytest.mark.parametrize(
    "address",
    [
        "MAILER-DAEMON@mx.example.com",
        "postmaster@example.com",
        "noreply@shop.example",
        "no-reply@shop.example",
        "do-not-reply@shop.example",
        "care@example.org",
        "not an address",
    ],
)
def test_system_and_own_addresses_get_no_automatic_mail(care, address):
    allowed, reason = loops.may_auto_reply(None, address, NOW)
    assert not allowed and reason


def test_many_addresses_are_judged_at_once_by_the_same_rules(care, django_assert_max_num_queries):
    addresses = ["jo@example.com", "Care@Example.org", "noreply@shop.example", "not an address"]
    addresses += [f"customer{n}@example.com" for n in range(50)]
    with django_assert_max_num_queries(2):
        reasons = loops.address_reasons(addresses)
    assert reasons == {a: loops.address_reason(a) for a in addresses}
    assert reasons["jo@example.com"] == ""
    assert "own addresses" in reasons["Care@Example.org"]
    assert "system address" in reasons["noreply@shop.example"]
    assert "no valid address" in reasons["not an address"]
    assert loops.address_reasons([]) == {}


def test_bounces_get_no_automatic_answer(care):
    raw = samples.bounce(samples.plain())
    allowed, reason = loops.may_auto_reply(parse(raw), "jo@example.com", NOW)
    assert not allowed and "bounce" in reason


def test_rate_limit_allows_three_a_day_per_address(care):
    for minutes in (0, 10, 20):
        assert loops.may_auto_reply(None, "jo@example.com", NOW)[0]
        loops.record_auto_reply("Jo@Example.com", NOW + timedelta(minutes=minutes))
    allowed, reason = loops.may_auto_reply(None, "jo@example.com", NOW + timedelta(hours=1))
    assert not allowed and "Rate limit" in reason
    assert loops.may_auto_reply(None, "other@example.com", NOW)[0]
    assert loops.may_auto_reply(None, "jo@example.com", NOW + timedelta(hours=25))[0]


def test_a_stored_customer_message_is_judged_by_its_raw_headers(care):
    raw = samples.plain(extra={"Precedence": "bulk"})
    message = ingest(raw, source="test", now=NOW).message
    allowed, reason = loops.may_auto_reply(message, "jo@example.com", NOW)
    assert not allowed and "bulk" in reason
    person = ingest(samples.plain(), source="test", now=NOW).message
    assert loops.may_auto_reply(person, "jo@example.com", NOW) == (True, "")


def test_old_log_rows_are_pruned(care):
    loops.record_auto_reply("jo@example.com", NOW - timedelta(days=3))
    loops.record_auto_reply("jo@example.com", NOW)
    assert loops.prune_auto_reply_log(NOW) == 1


def test_imported_mail_never_gets_an_automatic_answer(care):
    message = ingest(samples.plain(), source="import:old.mbox", now=NOW).message
    allowed, reason = loops.may_auto_reply(message, "jo@example.com", NOW)
    assert not allowed and "Imported" in reason


def test_the_header_verdict_is_kept_when_filed_and_older_mail_is_still_read(care):
    """An acknowledgement or a survey reads the verdict stored with the email instead of
    parsing it again; an email filed before the verdict was kept is parsed as before."""
    from servewell.mail.models import InboundEmail

    listed = ingest(samples.plain(extra={"List-Id": "<news.example.com>"}), source="t", now=NOW)
    person = ingest(samples.plain(message_id="<person@example.com>"), source="t", now=NOW)
    assert "mailing list" in InboundEmail.objects.get(pk=listed.inbound.pk).auto_reply_block
    assert InboundEmail.objects.get(pk=person.inbound.pk).auto_reply_block == ""
    assert loops.may_auto_reply(listed.message, "jo@example.com", NOW) == (
        False,
        "It came through a mailing list (List-Id).",
    )
    InboundEmail.objects.filter(pk=listed.inbound.pk).update(auto_reply_block=None)
    allowed, reason = loops.may_auto_reply(listed.message, "jo@example.com", NOW)
    assert not allowed and "List-Id" in reason
    assert loops.may_auto_reply(person.message, "jo@example.com", NOW) == (True, "")
    InboundEmail.objects.filter(pk=person.inbound.pk).update(auto_reply_block="Kept verdict.")
    assert loops.may_auto_reply(person.message, "jo@example.com", NOW) == (False, "Kept verdict.")
