import pytest
from rest_framework.test import APIClient

from servewell.desk.models import Message
from servewell.mail.intake import ingest
from servewell.mail.models import InboundEmail
from servewell.mail.tests import samples
from servewell.people.tokens import create_token

INBOUND = "/api/mail/inbound/"
QUARANTINE = "/api/mail/quarantine/"


@pytest.fixture
def api(adam):
    _token, raw = create_token(adam, name="mail provider")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _post(client, raw, content_type="message/rfc822"):
    return client.generic("POST", INBOUND, raw, content_type=content_type)


def test_provider_delivers_raw_mail_and_a_conversation_opens(api, care):
    response = _post(api, samples.plain(message_id="<http1@example.com>"))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "new"
    assert body["conversation"] == Message.objects.get().conversation_id
    assert InboundEmail.objects.get(pk=body["inbound"]).source == "http:adam"


def test_redelivery_is_a_duplicate_and_creates_nothing(api, care):
    raw = samples.plain(message_id="<http2@example.com>")
    first = _post(api, raw).json()
    again = _post(api, raw, content_type="application/octet-stream")
    assert again.status_code == 202
    assert again.json()["state"] == "duplicate"
    assert again.json()["conversation"] == first["conversation"]
    assert Message.objects.count() == 1


def test_garbage_is_accepted_into_quarantine_not_a_500(api, care):
    response = _post(api, b"\x00\xff\xfe not an email")
    assert response.status_code == 202
    assert response.json()["state"] == "quarantined"
    assert response.json()["reason"]


def test_empty_body_is_a_400_with_a_message(api, care):
    response = _post(api, b"")
    assert response.status_code == 400
    assert "raw email" in response.json()["detail"]


def test_oversized_body_is_a_413_with_a_message(api, care, settings):
    settings.DESK_INBOUND_MAX_BYTES = 500
    response = _post(api, samples.plain("x" * 2000))
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert InboundEmail.objects.count() == 0


def test_json_is_refused_as_unsupported_media_type(api, care):
    response = api.post(INBOUND, {"raw": "x"}, format="json")
    assert response.status_code == 415


def test_inbound_needs_a_token_with_the_mail_permission(alice, care):
    anonymous = APIClient()
    assert _post(anonymous, samples.plain()).status_code in (401, 403)
    _token, raw = create_token(alice, name="mine")
    agent = APIClient()
    agent.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert _post(agent, samples.plain()).status_code == 403
    assert InboundEmail.objects.count() == 0


def test_quarantine_lists_retries_and_discards(api, care, django_assert_max_num_queries):
    for i in range(3):
        ingest(f"garbage {i}".encode(), source="test")
    ingest(samples.plain(extra={"Auto-Submitted": "auto-replied"}), source="test")
    with django_assert_max_num_queries(8):
        listing = api.get(QUARANTINE)
    assert listing.status_code == 200
    rows = listing.json()["results"]
    assert len(rows) == 3
    assert {r["state"] for r in rows} == {"quarantined"}
    assert rows[0]["size"] > 0
    ignored = api.get(QUARANTINE, {"state": "ignored"}).json()["results"]
    assert len(ignored) == 1 and "Automatic reply" in ignored[0]["reason"]

    target = rows[0]["id"]
    raw = api.get(f"{QUARANTINE}{target}/raw/")
    assert raw.status_code == 200
    assert raw["Content-Type"] == "message/rfc822"
    assert raw.content.startswith(b"garbage")

    retried = api.post(f"{QUARANTINE}{target}/retry/")
    assert retried.status_code == 202
    assert retried.json()["state"] == "quarantined"  # still garbage, reason refreshed

    discarded = api.post(f"{QUARANTINE}{target}/discard/")
    assert discarded.status_code == 200
    assert discarded.json()["state"] == "discarded"
    assert api.post(f"{QUARANTINE}{target}/retry/").status_code == 409


def test_retry_files_mail_once_the_cause_is_fixed(api, db):
    result = ingest(samples.plain(), source="test")  # no team exists yet
    assert result.state == "quarantined"
    from servewell.people.tests.factories import make_team

    make_team("Care", email="care@example.org")
    response = api.post(f"{QUARANTINE}{result.inbound.pk}/retry/")
    assert response.status_code == 202
    assert response.json()["state"] == "new"
    assert Message.objects.count() == 1


def test_bad_quarantine_input_is_a_4xx(api, care):
    assert api.get(QUARANTINE, {"state": "nonsense"}).status_code == 400
    assert api.get(f"{QUARANTINE}999999/").status_code == 404
    assert api.post(f"{QUARANTINE}999999/retry/").status_code == 404


def test_agents_cannot_see_the_quarantine(alice, care):
    client = APIClient()
    client.force_authenticate(alice)
    assert client.get(QUARANTINE).status_code == 403


def _post_async(client, raw, capture, how="header"):
    """Deliver asking for the early answer; the filing job runs after the commit."""
    with capture(execute=True) as callbacks:
        if how == "header":
            response = client.generic(
                "POST", INBOUND, raw, content_type="message/rfc822", HTTP_PREFER="respond-async"
            )
        else:
            response = client.generic(
                "POST", INBOUND + "?respond=async", raw, content_type="message/rfc822"
            )
    return response, callbacks


@pytest.mark.parametrize("how", ["header", "query"])
def test_an_early_answer_says_received_and_the_worker_files_the_email(
    api, care, django_capture_on_commit_callbacks, how
):
    raw = samples.plain(message_id=f"<async-{how}@example.com>")
    response, callbacks = _post_async(api, raw, django_capture_on_commit_callbacks, how)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "received"
    assert body["conversation"] is None
    if how == "header":
        assert response["Preference-Applied"] == "respond-async"
    assert callbacks, "a filing job was queued"
    inbound = InboundEmail.objects.get(pk=body["inbound"])
    assert inbound.state == InboundEmail.State.PROCESSED
    assert Message.objects.get(inbound=inbound).conversation.subject


def test_an_early_answer_for_mail_already_filed_is_a_duplicate(
    api, care, django_capture_on_commit_callbacks
):
    raw = samples.plain(message_id="<async-again@example.com>")
    first = _post(api, raw).json()
    response, _ = _post_async(api, raw, django_capture_on_commit_callbacks)
    assert response.json()["state"] == "duplicate"
    assert response.json()["conversation"] == first["conversation"]
    assert Message.objects.count() == 1


def test_garbage_answered_early_still_lands_in_quarantine(
    api, care, django_capture_on_commit_callbacks
):
    response, _ = _post_async(api, b"\x00\xff\xfe not an email", django_capture_on_commit_callbacks)
    assert response.json()["state"] == "received"
    inbound = InboundEmail.objects.get(pk=response.json()["inbound"])
    assert inbound.state == InboundEmail.State.QUARANTINED
    assert inbound.reason
    assert bytes(inbound.raw) == b"\x00\xff\xfe not an email"


def test_mail_answered_early_waits_visibly_until_filed(api, care):
    """Before the worker files it, the email is listed as waiting, never lost."""
    response = api.generic(
        "POST", INBOUND, samples.plain(), content_type="message/rfc822", HTTP_PREFER="respond-async"
    )
    inbound = response.json()["inbound"]
    waiting = api.get(QUARANTINE, {"state": "received"}).json()["results"]
    assert [row["id"] for row in waiting] == [inbound]
    assert Message.objects.count() == 0


def _deliver_early(api, name):
    """One email delivered with ``Prefer: respond-async``; the id of its stored row."""
    return api.generic(
        "POST",
        INBOUND,
        samples.plain(frm=f"{name}@example.net", message_id=f"<{name}@example.com>"),
        content_type="message/rfc822",
        HTTP_PREFER="respond-async",
    ).json()["inbound"]


def test_one_filing_job_files_every_email_answered_early_and_still_waiting(api, care):
    """Under a flood the worker files what has piled up in one batch; the jobs queued
    after it find their mail filed and file nothing twice."""
    from servewell.mail import intake

    delivered = [_deliver_early(api, f"pile-{n}") for n in range(3)]
    assert InboundEmail.objects.get(pk=delivered[0]).source == "http-async:adam"
    intake.file_received.call_local([delivered[0]])
    states = set(InboundEmail.objects.filter(pk__in=delivered).values_list("state", flat=True))
    assert states == {InboundEmail.State.PROCESSED}
    intake.file_received.call_local([delivered[2]])  # a later job: nothing left to do
    assert Message.objects.filter(inbound__in=delivered).count() == 3


def test_mail_delivered_while_a_filing_job_waits_rides_on_it(
    api, care, django_capture_on_commit_callbacks
):
    """A flood is filed in batches, not one job per delivery: while a filing job is
    queued and has not started, later deliveries queue none, and that job files them
    all. Once it has started, the next delivery queues a job of its own."""
    from servewell.mail import intake

    def deliver(n):
        with django_capture_on_commit_callbacks() as callbacks:
            inbound = _deliver_early(api, f"ride-{n}")
        return inbound, len(callbacks)

    first, queued_first = deliver(0)
    riders = [deliver(n) for n in (1, 2)]
    assert queued_first == 1
    assert [queued for _, queued in riders] == [0, 0]
    waiting = InboundEmail.objects.filter(state=InboundEmail.State.RECEIVED).count()
    assert waiting == 3, "nothing is lost while it waits"

    intake.file_received.call_local([first])  # the worker takes the one job
    delivered = [first, *(pk for pk, _ in riders)]
    assert Message.objects.filter(inbound__in=delivered).count() == 3
    _, queued_after = deliver(3)
    assert queued_after == 1
