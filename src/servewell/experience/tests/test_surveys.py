"""Customer surveys: scheduling on solve, the sweep, the links, answers and their history."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from servewell.core.errors import DomainError
from servewell.desk import conversations
from servewell.desk.models import Status
from servewell.desk.tests.factories import make_contact
from servewell.experience import queries, surveys
from servewell.experience.models import (
    ExperienceSettings,
    MonthlyRollup,
    ResponseRevision,
    Survey,
    SurveyKind,
    SurveyResponse,
    Unsubscribe,
)
from servewell.experience.tests.helpers import send_and_token, solve, solved_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def test_solving_schedules_one_survey_after_the_team_delay(
    care, alice, now, django_capture_on_commit_callbacks
):
    conversation = solved_conversation(
        care, alice, now=now, capture=django_capture_on_commit_callbacks
    )
    survey = Survey.objects.get(conversation=conversation)
    assert survey.state == Survey.State.SCHEDULED
    assert survey.due_at == conversation.solved_at + timedelta(hours=1)
    assert survey.handler_id == alice.pk
    assert surveys.send_due_surveys(now=now + timedelta(minutes=59)) == 0
    assert mail.outbox == []


def test_the_email_carries_five_signed_links_and_one_click_unsubscribe_headers(
    care, alice, now, django_capture_on_commit_callbacks
):
    conversation = solved_conversation(
        care, alice, now=now, capture=django_capture_on_commit_callbacks
    )
    survey, token = send_and_token(now)
    message = mail.outbox[-1]
    assert f"[#{conversation.pk}]" in message.subject
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    for n in range(1, 6):
        assert f"/s/{token}/{n}/" in message.body
    assert token not in Survey.objects.values_list("token_hash", flat=True)  # only a hash
    survey.refresh_from_db()
    assert survey.state == Survey.State.SENT and survey.expires_at == survey.sent_at + timedelta(
        days=14
    )


def test_a_get_never_records_and_the_post_records_once_with_history(
    care, alice, client, now, django_capture_on_commit_callbacks
):
    solved_conversation(care, alice, now=now, capture=django_capture_on_commit_callbacks)
    survey, token = send_and_token(now)
    page = client.get(f"/s/{token}/4/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="4" checked' in html and "autofocus" in html and "come to us again" in html
    assert not SurveyResponse.objects.exists()

    client.post(f"/s/{token}/", {"score": "2", "comment": "Slow.", "would_return": "unsure"})
    client.post(
        f"/s/{token}/", {"score": "5", "comment": "Sorted now, thanks!", "would_return": "yes"}
    )
    response = SurveyResponse.objects.get()
    assert (response.score, response.revision, response.would_return) == (5, 2, "yes")
    assert list(ResponseRevision.objects.order_by("revision").values_list("score", flat=True)) == [
        2,
        5,
    ]
    assert queries.csat_by_conversation([survey.conversation_id]) == {survey.conversation_id: 5}


@pytest.mark.parametrize(
    "path, status",
    [
        ("/s/forged-token-that-is-long-enough/5/", 404),
        ("/s/short/5/", 404),
        ("/s/%00%FF/5/", 404),
    ],
)
def test_forged_links_get_a_clear_page_and_record_nothing(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert "Nothing was recorded" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_a_tampered_expired_or_replaced_link_records_nothing(
    care, alice, client, now, django_capture_on_commit_callbacks
):
    conversation = solved_conversation(
        care, alice, now=now, capture=django_capture_on_commit_callbacks
    )
    survey, token = send_and_token(now)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post(f"/s/{tampered}/", {"score": "1"}).status_code == 404
    Survey.objects.filter(pk=survey.pk).update(expires_at=now)
    assert client.post(f"/s/{token}/", {"score": "1"}).status_code == 410
    Survey.objects.filter(pk=survey.pk).update(expires_at=now + timedelta(days=30))
    # Reopened and solved again: the old, unanswered link is replaced.
    conversations.update_conversation(
        alice, conversation, expected_version=None, status=Status.OPEN
    )
    solve(
        conversation, alice, now=now + timedelta(days=1), capture=django_capture_on_commit_callbacks
    )
    assert client.post(f"/s/{token}/", {"score": "1"}).status_code == 410
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("score", ["0", "6", "x", "", "9" * 40, "-1"])
def test_an_out_of_range_rating_is_a_form_error(
    care, alice, client, now, score, django_capture_on_commit_callbacks
):
    solved_conversation(care, alice, now=now, capture=django_capture_on_commit_callbacks)
    _survey, token = send_and_token(now)
    response = client.post(f"/s/{token}/", {"score": score})
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_nobody_is_surveyed_twice_within_the_contact_interval(
    care, alice, now, django_capture_on_commit_callbacks
):
    contact = make_contact("Ruth Okafor")
    cap = django_capture_on_commit_callbacks
    solved_conversation(care, alice, now=now, capture=cap, contact=contact)
    send_and_token(now)
    second = solved_conversation(
        care, alice, now=now + timedelta(days=2), capture=cap, contact=contact
    )
    surveys.send_due_surveys(now=now + timedelta(days=2, hours=2))
    assert Survey.objects.get(conversation=second).state == Survey.State.SKIPPED


def test_automatic_senders_and_unsubscribed_addresses_are_never_surveyed(
    care, alice, client, now, django_capture_on_commit_callbacks
):
    cap = django_capture_on_commit_callbacks
    robot = solved_conversation(
        care,
        alice,
        now=now,
        capture=cap,
        contact=make_contact("Mailer", email="no-reply@shop.test"),
    )
    surveys.send_due_surveys(now=now + timedelta(hours=2))
    assert Survey.objects.get(conversation=robot).state == Survey.State.SKIPPED
    assert mail.outbox == []

    human = make_contact("Ruth Okafor")
    solved_conversation(care, alice, now=now, capture=cap, contact=human)
    _survey, token = send_and_token(now)
    assert (
        client.post(f"/s/{token}/unsubscribe/", {"List-Unsubscribe": "One-Click"}).status_code
        == 200
    )
    assert Unsubscribe.objects.count() == 1
    later = solved_conversation(
        care, alice, now=now + timedelta(days=30), capture=cap, contact=human
    )
    surveys.send_due_surveys(now=now + timedelta(days=30, hours=2))
    assert (
        Survey.objects.get(conversation=later).skip_reason
        == "The customer unsubscribed from surveys."
    )


def test_a_team_can_switch_surveys_off(care, alice, now, django_capture_on_commit_callbacks):
    ExperienceSettings.objects.create(team=care, surveys_enabled=False)
    solved_conversation(care, alice, now=now, capture=django_capture_on_commit_callbacks)
    assert not Survey.objects.exists()


def test_nps_rides_along_once_per_interval_and_takes_0_to_10(
    care, alice, now, django_capture_on_commit_callbacks
):
    solved_conversation(care, alice, now=now, capture=django_capture_on_commit_callbacks)
    _survey, token = send_and_token(now, kind="nps")
    surveys.record_answer(token, score="10", now=now + timedelta(hours=2))
    with pytest.raises(DomainError):
        surveys.record_answer(token, score="11", now=now + timedelta(hours=2))
    assert SurveyResponse.objects.get().kind == SurveyKind.NPS


def test_a_low_rating_notifies_the_handler_and_lead_and_the_reopen_is_the_first_action(
    care, alice, lena, now, client_as, django_capture_on_commit_callbacks
):
    from servewell.core.models import Notification
    from servewell.experience.models import Recovery

    cap = django_capture_on_commit_callbacks
    conversation = solved_conversation(care, alice, now=now, capture=cap)
    _survey, token = send_and_token(now)
    with cap(execute=True):
        surveys.record_answer(token, score="1", comment="Nobody listened.", now=now)
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert {"alice", "lena"} <= notified
    recovery = Recovery.objects.get()
    with cap(execute=True):
        response = client_as(lena).post(f"/experience/recovery/{recovery.pk}/")
    assert response.status_code == 302
    conversation.refresh_from_db()
    recovery.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert recovery.action == "reopened" and recovery.actor_id == lena.pk


def test_a_negative_comment_with_a_good_score_also_opens_recovery(
    care, alice, now, django_capture_on_commit_callbacks
):
    solved_conversation(care, alice, now=now, capture=django_capture_on_commit_callbacks)
    _survey, token = send_and_token(now)
    response = surveys.record_answer(
        token, score="4", comment="Terrible, nobody helped me and I am angry", now=now
    )
    assert response.negative and hasattr(response, "recovery")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_answers_leave_exactly_one_response(care, alice, now):
    from django.test.utils import CaptureQueriesContext  # noqa: F401

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("in-memory SQLite is not shared between threads")
    conversation = solved_conversation(care, alice, now=now, capture=_immediate)
    _survey, token = send_and_token(now)
    barrier, errors = threading.Barrier(2), []

    def answer(score: str) -> None:
        from django.db import connection as own

        try:
            barrier.wait()
            surveys.record_answer(token, score=score, now=timezone.now())
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=answer, args=(s,)) for s in ("2", "5")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert SurveyResponse.objects.filter(conversation=conversation).count() == 1
    assert ResponseRevision.objects.count() + len(errors) == 2


class _immediate:
    """``capture`` for transactional tests: on_commit already runs at commit."""

    def __init__(self, execute: bool = True):
        pass

    def __enter__(self):
        return []

    def __exit__(self, *exc):
        return False


def test_the_rating_source_feeds_qualitys_low_rating_filter(
    care, alice, now, django_capture_on_commit_callbacks
):
    from servewell.quality.sampling import RATING_SOURCES

    conversation = solved_conversation(
        care, alice, now=now, capture=django_capture_on_commit_callbacks
    )
    _survey, token = send_and_token(now)
    surveys.record_answer(token, score="2", now=now)
    source = RATING_SOURCES.items()[0]
    assert list(source(2).values_list("conversation_id", flat=True)) == [conversation.pk]
    assert list(source(1)) == []


def test_the_sweep_reads_per_batch_not_per_survey(
    care, alice, now, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    cap = django_capture_on_commit_callbacks
    for n in range(12):
        contact = make_contact(f"Customer {n}", email=f"customer{n}@example.com")
        solved_conversation(care, alice, now=now, capture=cap, contact=contact)
    with django_assert_max_num_queries(30):  # two per survey would be 48
        sent = surveys.send_due_surveys(now=now + timedelta(days=1))
    assert sent == 12 and len(mail.outbox) == 12


def test_every_sweep_adds_its_sends_to_each_handlers_month(
    care, alice, lena, now, django_capture_on_commit_callbacks
):
    """The report's response rate divides by these counts: two sweeps must add up, per
    handler, whether the month's row exists yet or not."""
    cap = django_capture_on_commit_callbacks
    for n, handler in enumerate([alice, alice, lena]):
        contact = make_contact(f"Customer {n}", email=f"customer{n}@example.com")
        solved_conversation(care, handler, now=now, capture=cap, contact=contact)
    assert surveys.send_due_surveys(now=now + timedelta(days=1), limit=2) == 2
    assert surveys.send_due_surveys(now=now + timedelta(days=1)) == 1
    month = (now + timedelta(days=1)).date().replace(day=1)
    sent = {
        r.person_id: r.sent
        for r in MonthlyRollup.objects.filter(kind="csat", team=care, month=month)
    }
    assert sent == {alice.pk: 2, lena.pk: 1}


def test_answering_and_changing_an_answer_take_a_handful_of_queries(
    care, alice, now, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    solved_conversation(care, alice, now=now, capture=django_capture_on_commit_callbacks)
    _survey, token = send_and_token(now)
    with django_assert_max_num_queries(8):
        surveys.record_answer(token, score="5", now=now + timedelta(hours=2))
    with django_assert_max_num_queries(8):
        surveys.record_answer(token, score="4", now=now + timedelta(hours=3))
    assert SurveyResponse.objects.get().revision == 2


def test_the_answer_post_takes_a_fixed_handful_of_queries(
    care, alice, client, now, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    cap = django_capture_on_commit_callbacks
    solved_conversation(care, alice, now=now, capture=cap)
    _survey, token = send_and_token(now)
    # Read the survey, insert the answer and its revision, bump the month's counts (and
    # the savepoints around them); after the commit, webhooks and goodwill read once each.
    with django_assert_max_num_queries(10), cap(execute=True):
        page = client.post(f"/s/{token}/", {"score": "5", "comment": "Thanks!"})
    assert page.status_code == 200 and SurveyResponse.objects.get().score == 5
