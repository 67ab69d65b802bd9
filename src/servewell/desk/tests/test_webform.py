"""The public request form: no account, honeypot, rate limit, a receipt with the reference."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from servewell.desk import assignment, webform
from servewell.desk.models import AutoReplyLog, Channel, Conversation, WebRequest


@pytest.fixture
def open_care(care, adam):
    assignment.update_settings(adam, care, public_form=True)
    return care


def form(team, **overrides):
    return {
        "name": "Ruth Okafor",
        "email": "ruth@example.org",
        "team": team.pk,
        "subject": "Kettle lid cracked",
        "message": "The lid of my new kettle cracked on the second day.",
        "website": "",
        **overrides,
    }


def test_a_visitor_sends_a_request_and_gets_the_reference_by_email(open_care, commit):
    client = Client()
    page = client.get("/help/request/")
    assert page.status_code == 200 and "Care" in page.content.decode()
    with commit():
        response = client.post("/help/request/", form(open_care))
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.channel == Channel.WEB and conversation.team == open_care
    assert conversation.contact.name == "Ruth Okafor"
    thanks = client.get(response["Location"]).content.decode()
    assert f"#{conversation.pk}" in thanks
    # One email with the reference: the desk's receipt, or the team's acknowledgement
    # (commitments) when that is switched on — never both.
    [receipt] = [m for m in mail.outbox if f"[#{conversation.pk}]" in m.subject]
    assert receipt.to == ["ruth@example.org"]
    assert f"#{conversation.pk}" in receipt.body


def test_the_receipt_is_sent_when_nothing_else_answered(open_care, commit):
    conversation = webform.submit_request(
        name="Ruth Okafor",
        email="ruth@example.org",
        team_id=open_care.pk,
        subject="Lid",
        message="Cracked lid",
        ip="198.51.100.1",
    )
    AutoReplyLog.objects.all().delete()
    mail.outbox.clear()
    webform.send_request_receipt.call_local(conversation.pk, "ruth@example.org")
    [receipt] = mail.outbox
    assert receipt.subject.startswith(f"[#{conversation.pk}] We received your request")
    assert receipt.extra_headers["Auto-Submitted"] == "auto-replied"
    assert AutoReplyLog.objects.filter(address="ruth@example.org").count() == 1


def test_teams_not_opted_in_are_not_offered(care, orders, adam):
    assignment.update_settings(adam, care, public_form=True)
    html = Client().get("/help/request/").content.decode()
    assert "Care" in html and "Orders" not in html
    response = Client().post("/help/request/", form(orders))
    assert response.status_code == 400 and not Conversation.objects.exists()


def test_the_form_is_closed_when_no_team_opted_in(db):
    assert "closed" in Client().get("/help/request/").content.decode()


def test_the_honeypot_looks_successful_but_keeps_nothing(open_care, commit):
    with commit():
        response = Client().post("/help/request/", form(open_care, website="http://spam.test"))
    assert response.status_code == 302
    assert not Conversation.objects.exists() and not mail.outbox


def test_missing_fields_are_explained(open_care):
    response = Client().post("/help/request/", form(open_care, email="nope", message=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address" in html and "This field is required" in html


def test_a_burst_from_one_address_is_refused_with_429(open_care):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(webform.RATE_LIMIT):
        assert client.post("/help/request/", form(open_care, subject=f"n{n}")).status_code == 302
    response = client.post("/help/request/", form(open_care))
    assert response.status_code == 429
    assert "wait an hour" in response.content.decode()
    assert WebRequest.objects.count() == webform.RATE_LIMIT  # the refused one is not kept
    other = Client(REMOTE_ADDR="203.0.113.10")
    assert other.post("/help/request/", form(open_care)).status_code == 302


def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(open_care, settings):
    """Every request reaches the app from the proxy's address; the limit is per visitor."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(webform.RATE_LIMIT + 2):
        visitor = f"198.51.100.{n}"
        sent = proxy.post("/help/request/", form(open_care), HTTP_X_FORWARDED_FOR=visitor)
        assert sent.status_code == 302
    for _ in range(webform.RATE_LIMIT):
        proxy.post("/help/request/", form(open_care), HTTP_X_FORWARDED_FOR="198.51.100.99")
    burst = proxy.post("/help/request/", form(open_care), HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert burst.status_code == 429


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(open_care):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(webform.RATE_LIMIT):
        client.post("/help/request/", form(open_care), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    forged = client.post("/help/request/", form(open_care), HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert forged.status_code == 429


def test_a_forged_thank_you_link_shows_no_reference(db):
    html = Client().get("/help/request/sent/?r=123").content.decode()
    assert "Your reference is" not in html


def test_a_thank_you_link_that_named_a_conversation_names_no_request(open_care):
    """Links signed before requests were stored carry a conversation's number: they
    must not be read as the stored request with that number (someone else's)."""
    from django.core import signing

    _submit(open_care)
    stored = WebRequest.objects.get()
    old_link = f"/help/request/sent/?r={signing.dumps(stored.pk, salt='desk.webform.sent')}"
    assert "Your reference is" not in Client().get(old_link).content.decode()
    assert "Your reference is" in Client().get(_thanks_link(stored)).content.decode()


def _submit(team):
    return webform.submit_request(
        name="Ruth Okafor",
        email="ruth@example.org",
        team_id=team.pk,
        subject="Lid",
        message="Cracked lid",
        ip="198.51.100.7",
    )


def test_with_the_team_acknowledgement_on_only_that_one_email_goes_out(open_care, commit):
    from servewell.commitments import acknowledge

    acknowledge.settings_for(open_care.pk)  # on by default
    with commit():
        conversation = _submit(open_care)
    [answer] = [m for m in mail.outbox if m.to == ["ruth@example.org"]]
    assert "We received your request" not in answer.subject  # the team's, not the receipt
    assert f"[#{conversation.pk}]" in answer.subject


def test_with_the_team_acknowledgement_off_the_receipt_goes_out(open_care, commit):
    from servewell.commitments import acknowledge

    settings = acknowledge.settings_for(open_care.pk)
    settings.ack_enabled = False
    settings.save()
    with commit():
        conversation = _submit(open_care)
    [receipt] = [m for m in mail.outbox if m.to == ["ruth@example.org"]]
    assert receipt.subject.startswith(f"[#{conversation.pk}] We received your request")


# --- Stored at once, filed by the worker ----------------------------------------------------


def test_the_form_answers_once_the_request_is_stored_and_the_worker_files_it(open_care, commit):
    """Until its commit the request is only stored (the job is queued on commit); the
    job files it with the time the visitor sent it, and clears the stored copy."""
    client = Client()
    with commit() as committed:
        response = client.post("/help/request/", form(open_care))
        assert response.status_code == 302
        stored = WebRequest.objects.get()
        assert stored.state == WebRequest.State.RECEIVED and stored.email == "ruth@example.org"
        assert not Conversation.objects.exists()
        thanks = client.get(response["Location"]).content.decode()
        assert "being filed" in thanks and "Your reference is" not in thanks
    assert committed  # the filing job was asked for on commit
    stored.refresh_from_db()
    conversation = Conversation.objects.get()
    assert stored.state == WebRequest.State.FILED and stored.conversation == conversation
    assert conversation.created_at == stored.received_at
    assert conversation.messages.get().body_text.startswith("The lid of my new kettle")
    assert (stored.name, stored.email, stored.subject, stored.message) == ("", "", "", "")
    thanks = client.get(response["Location"]).content.decode()
    assert f"Your reference is <strong>#{conversation.pk}</strong>" in thanks


def test_requests_stored_while_a_filing_job_waits_ride_on_it(open_care, commit):
    """One job is queued, not one per request: it files everything waiting."""
    from django.core.cache import cache

    cache.add(webform.FILING_ASKED, True, 60)  # a job is queued and has not started
    client = Client()
    for n in range(3):
        client.post(
            "/help/request/",
            form(open_care, email=f"v{n}@example.org"),
            REMOTE_ADDR=f"198.51.100.{n}",
        )
    assert WebRequest.objects.filter(state=WebRequest.State.RECEIVED).count() == 3
    with commit():
        webform.file_web_requests()  # the queued job
    assert Conversation.objects.count() == 3
    assert set(WebRequest.objects.values_list("state", flat=True)) == {WebRequest.State.FILED}
    assert len([m for m in mail.outbox if "[#" in m.subject]) == 3  # each got their reference
    assert cache.get(webform.FILING_ASKED) is None  # the next request queues a job again


def test_a_request_that_cannot_be_filed_keeps_what_the_visitor_wrote_and_why(
    open_care, monkeypatch
):
    for n in range(2):
        webform.receive_request(
            name=f"Visitor {n}",
            email=f"v{n}@example.org",
            team_id=open_care.pk,
            subject=f"Subject {n}",
            message=f"Message {n}",
            ip=f"198.51.100.{n}",
        )
    real_open = webform._open

    def refuse_the_first(rows):
        if any(r.subject == "Subject 0" for r in rows):
            raise ValueError("the contact store refused it")
        return real_open(rows)

    monkeypatch.setattr(webform, "_open", refuse_the_first)
    webform.file_web_requests.call_local()
    failed = WebRequest.objects.get(subject="Subject 0")
    assert failed.state == WebRequest.State.FAILED
    assert failed.message == "Message 0" and failed.email == "v0@example.org"
    assert "ValueError: the contact store refused it" in failed.reason
    assert Conversation.objects.get().subject == "Subject 1"  # the other was filed
    html = Client().get(_thanks_link(failed)).content.decode()
    assert "Your reference is" not in html and "being filed" not in html
    # Its own job tries again and fails with the reason, which the failed-jobs screen
    # keeps; run again from there once the cause is gone, it files the request.
    with pytest.raises(RuntimeError, match="the contact store refused it"):
        webform.refile_web_request.call_local(failed.pk)
    monkeypatch.undo()
    webform.refile_web_request.call_local(failed.pk)
    failed.refresh_from_db()
    assert failed.state == WebRequest.State.FILED and failed.reason == ""
    assert failed.conversation.subject == "Subject 0"
    assert failed.conversation.messages.get().body_text == "Message 0"


def _thanks_link(received):
    from django.core import signing

    from servewell.desk.views.webform import SENT_SALT

    return f"/help/request/sent/?r={signing.dumps(received.pk, salt=SENT_SALT)}"


def test_the_sweep_files_requests_whose_job_was_lost(open_care):
    from datetime import timedelta

    from django.utils import timezone

    webform.receive_request(
        name="Ruth", email="ruth@example.org", team_id=open_care.pk, subject="Lid",
        message="Cracked lid", ip="198.51.100.7",
        now=timezone.now() - webform.STALE_AFTER - timedelta(seconds=5),
    )  # fmt: skip
    webform.receive_request(
        name="Sam", email="sam@example.org", team_id=open_care.pk, subject="Hinge",
        message="Loose hinge", ip="198.51.100.8",
    )  # fmt: skip
    webform.file_stale_web_requests.call_local()
    assert list(Conversation.objects.values_list("subject", flat=True)) == ["Lid"]
    assert WebRequest.objects.get(state=WebRequest.State.RECEIVED).email == "sam@example.org"


def test_erasing_a_contact_removes_their_requests_not_yet_filed(open_care, adam):
    from servewell.contacts import privacy
    from servewell.contacts.models import Contact

    filed = _submit(open_care)
    webform.receive_request(
        name="Ruth", email="Ruth@Example.org", team_id=open_care.pk, subject="Again",
        message="Still cracked", ip="198.51.100.9",
    )  # fmt: skip
    contact = Contact.objects.get(pk=filed.contact_id)
    privacy.erase_contact(adam, contact, confirm=privacy.confirmation_word(contact))
    assert not WebRequest.objects.filter(email="ruth@example.org").exists()


def test_filed_requests_are_forgotten_after_a_day_and_failed_ones_kept(open_care):
    from datetime import timedelta

    from django.utils import timezone

    old, recent = (_submit(open_care) for _ in range(2))
    WebRequest.objects.filter(conversation=old).update(
        filed_at=timezone.now() - webform.KEEP_FILED - timedelta(minutes=1)
    )
    failed = webform.receive_request(
        name="Sam", email="sam@example.org", team_id=open_care.pk, subject="Hinge",
        message="Loose hinge", ip="198.51.100.8",
    )  # fmt: skip
    WebRequest.objects.filter(pk=failed.pk).update(
        state=WebRequest.State.FAILED, received_at=timezone.now() - timedelta(days=30)
    )
    webform.prune_filed_web_requests.call_local()
    assert set(WebRequest.objects.values_list("conversation", flat=True)) == {recent.pk, None}
    assert Conversation.objects.filter(pk=old.pk).exists()  # the conversation stays
