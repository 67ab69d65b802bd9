"""The whole REST API against its own OpenAPI schema, with Schemathesis.

Schemathesis reads the schema the running application serves and, for every operation,
sends requests built from it: valid ones, and ones that break it (wrong types, missing
fields, numbers past 64 bits, NUL bytes, odd Unicode). The rules a client relies on:

- the server never answers 5xx: bad input is a 4xx, a JSON object that says what is wrong;
- an answer with a documented status has the documented content type and shape, and a
  success documented without a body has none.

Three passes, each over every operation, as an admin (who sees and may do everything)
unless said otherwise:

1. every way the schema knows to break each parameter and body field, one at a time
   (Schemathesis's coverage phase, negative cases);
2. random requests, valid and invalid (the fuzzing phase);
3. random requests as an agent, who must be refused (403, or 404 for a path that cannot
   exist) by every operation that needs more than an agent's rights.

Path ids point at real rows, built once for the module, so that requests reach the views'
real work (serializers, domain functions) instead of a 404 — except where the path itself
is what a case breaks, and, in pass 2, for half the examples, which keep the ids
Schemathesis made up (rows that do not exist, numbers past 64 bits). Every operation is a
test of its own in a transaction of its own: what one operation's examples change (a
deleted macro, an erased contact, a revoked token) is back before the next operation, so
no operation is left out. (Server-sent event streams are HTML-side views, not in the
schema.) Webhook deliveries fail at once instead of reaching for the network. Runs are
reproducible (``derandomize``); the example counts keep the module near a minute.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)
from schemathesis.core.parameters import ParameterLocation

from servewell.academy import cohorts
from servewell.academy.tests.factories import graduate, make_cohort, make_trainer
from servewell.commitments import policies
from servewell.core import notifications, webhooks
from servewell.core.models import AuditEntry, FailedJob
from servewell.desk import conversations, macros, savedviews
from servewell.desk.models import Status
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.experience import pulse, surveys
from servewell.experience.models import Recovery
from servewell.experience.tests.helpers import send_and_token
from servewell.goodwill import grants, stories
from servewell.goodwill.tests.factories import limit, make_action
from servewell.livequeue import feed, rules
from servewell.livequeue.models import Alarm, Call
from servewell.mail import mailboxes
from servewell.mail.intake import ingest
from servewell.mail.models import InboundEmail
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team
from servewell.people.tokens import create_token
from servewell.quality import calibration, coaching, disputes, reviews, sampling
from servewell.quality.models import ReviewAssignment
from servewell.quality.tests.factories import full_answers, handled, make_scorecard, version_of

APP = get_wsgi_application()
SCHEMA_URL = "/api/schema/?format=json"

# The inbound-mail endpoint takes the raw email as ``message/rfc822``: bytes, sent as they are.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")

# Credentials go in as a real bearer token (below), not as generated Authorization headers
# or session cookies.
_NO_GENERATED_AUTH = {"generation": {"with-security-parameters": False}}


def _schema(phases: dict[str, Any]) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict({**_NO_GENERATED_AUTH, "phases": phases})
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, APP, config=config)


# The coverage phase without its unexpected-method probes (TRACE, OPTIONS… on every path:
# Django's and DRF's 405s, not this project's code) and without its valid cases, which are
# what the fuzzing pass sends in numbers.
breaking_each_field = _schema(
    {
        "fuzzing": {"enabled": False},
        "coverage": {"unexpected-methods": [], "generation": {"mode": "negative"}},
    }
)
# Schema examples go out in pass 1 (the examples phase is on there); Schemathesis cannot
# send them from a test that draws more than the case (``made_up_ids`` below).
random_requests = _schema({"coverage": {"enabled": False}, "examples": {"enabled": False}})


def refusals_say_why(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A 4xx is a JSON object that says what is wrong: ``{"detail": "…", "code": "…"}`` or
    ``{"field": ["…"], …}`` — not an empty body or an HTML page."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body = json.loads(response.text)
    except ValueError:
        body = None
    words = [v for k, v in body.items() if k != "code"] if isinstance(body, dict) else []
    if not _has_text(words):
        raise AssertionError(f"{response.status_code} without a message: {response.text[:300]!r}")


def _has_text(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, dict):
        return any(_has_text(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_text(v) for v in value)
    return False


def successes_as_documented(
    ctx: Any, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """A success the schema documents without content (``204``, ``200: None``) has none:
    otherwise clients built from the schema never see what the body says."""
    documented = case.operation.responses.find_by_status_code(response.status_code)
    if response.status_code < 300 and documented is not None and response.content:
        if not documented.definition.get("content"):
            raise AssertionError(
                f"{response.status_code} is documented without a body, but has one: "
                f"{response.text[:300]!r}"
            )


CHECKS = [
    not_a_server_error,
    refusals_say_why,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    successes_as_documented,
]
# Not checked: ``status_code_conformance``. The schema documents the success answers; the
# 400/403/404 answers every endpoint can give (``{"detail", "code"}`` or ``{field: [..]}``)
# are not listed per operation, so every refusal would count as "undocumented".


def common_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        # One set of rows per operation (module fixture, per-test transaction) is the point;
        # generation is slow for the larger request bodies.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


# --- the world the requests act on ------------------------------------------------------

NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def _requests_keep_the_test_transaction() -> Iterator[None]:
    """Django closes "old" connections at the start and end of every request; inside a
    test that would drop the test's transaction, so they are unhooked for the module, as
    Django's own test client does around each of its requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
    _requests_keep_the_test_transaction: None,
) -> Iterator[dict[str, Any]]:
    """People with tokens and one or two rows of every kind, built once for the module
    inside a transaction that is rolled back at its end; each test runs in a savepoint."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))  # attachments
    with media, django_db_blocker.unblock(), transaction.atomic():
        built = _build_world()
        yield built
        transaction.set_rollback(True)


def _build_world() -> dict[str, Any]:
    care = make_team("Care", email="care@example.org")
    orders = make_team("Orders", email="orders@example.org")
    adam = make_person("adam", [Role.ADMIN])
    alice = make_person("alice", [Role.AGENT], team=care)
    lena = make_person("lena", [Role.LEAD, Role.AGENT], team=care, lead=True)
    quinn = make_person("quinn", [Role.QA])
    make_person("bob", [Role.AGENT], team=orders)

    ruth = make_contact("Ruth Okafor")
    conversation = make_conversation(care, contact=ruth, subject="Kettle lid")
    make_conversation(care, contact=make_contact("Sam Berg"), subject="Oven clock")
    message = conversation.messages.order_by("id").first()
    macro = macros.create_macro(adam, name="Refund sent", body="Hello {{ contact.first_name }}")
    view = savedviews.save_view(adam, name="Open", filters={"view": "open"})
    spare_token, _ = create_token(adam, name="spare")  # the one DELETE /tokens/{id}/ revokes

    hook = webhooks.create_webhook(
        adam, name="CRM", url="https://hooks.example.org/servewell", events=[]
    )
    failed = FailedJob.objects.create(
        task_name="servewell.core.webhooks.deliver",
        args=[1],
        error="DeliveryFailed('HTTP 503')",
        failed_at=timezone.now(),
    )
    notifications.notify([adam, alice], "Welcome", email=False)
    policy = policies.save_policy(adam, care, {"priority": "normal", "first_response_minutes": 60})

    mailbox = mailboxes.create_mailbox(
        adam,
        name="Care inbox",
        team=care,
        host="imap.example.org",
        username="care@example.org",
        password_env="CARE_IMAP_PASSWORD",
    )
    ingest(b"not an email at all", source="test")
    inbound = InboundEmail.objects.order_by("id").first()

    rule = rules.create_rule(adam, care, kind="waiting", threshold=1, clear_threshold=0)
    feed.record_event("joined", call_id="c1", team=care, at=timezone.now())

    card = make_scorecard()
    version = version_of(card)
    section = version.sections.order_by("id").first()
    criterion = version.criteria.order_by("id").first()
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    review = reviews.submit_review(quinn, review, now=NOW, answers=full_answers(version))
    dispute = disputes.open_dispute(alice, review, reason="I did greet her.", now=NOW)
    start, _end = sampling.previous_week(NOW)
    handled(care, alice, opened=start, solved=start + dt.timedelta(hours=1), email="d@x.org")
    plan = sampling.create_plan(adam, now=NOW, name="Weekly", scorecard=card, per_person=2)
    sampling.run_sampling(adam, plan, now=NOW, seed=4)
    session = calibration.start_session(
        adam,
        conversation=handled(care, alice, email="e@x.org"),
        version=version,
        reviewers=[quinn, adam],
        now=NOW,
    )
    talk = coaching.hold_session(lena, person=alice, on=NOW.date(), now=NOW, reviews=[review])

    ids: dict[str, Any] = {
        **_academy(alice),
        **_experience(care, alice, adam),
        **_goodwill(care, alice, conversation),
        "/api/autoqa/conversations/{id}/": conversation.pk,
        "/api/autoqa/links/{criterion}/": criterion.pk,
        "/api/audit/{id}/": AuditEntry.objects.order_by("id").first().pk,
        "/api/commitments/conversations/{conversation_id}/": conversation.pk,
        "/api/commitments/policies/{id}/": policy.pk,
        "/api/commitments/teams/{team_id}/": care.pk,
        "/api/contacts/{id}/": ruth.pk,
        "/api/conversations/{id}/": conversation.pk,
        "/api/jobs/failed/{id}/": failed.pk,
        "/api/macros/{id}/": macro.pk,
        "/api/mail/mailboxes/{id}/": mailbox.pk,
        "/api/mail/quarantine/{id}/": inbound.pk,
        "/api/messages/{id}/": message.pk,
        "/api/people/{id}/": alice.pk,
        "/api/quality/assignments/{id}/": ReviewAssignment.objects.get().pk,
        "/api/quality/calibration/{id}/": session.pk,
        "/api/quality/coaching/{id}/": talk.pk,
        "/api/quality/criteria/{id}/": criterion.pk,
        "/api/quality/disputes/{id}/": dispute.pk,
        "/api/quality/reports/{name}/": "people",
        "/api/quality/reviews/{id}/": review.pk,
        "/api/quality/sampling/plans/{id}/": plan.pk,
        "/api/quality/scorecards/{id}/": card.pk,
        "/api/quality/sections/{id}/": section.pk,
        "/api/quality/versions/{id}/": version.pk,
        "/api/queue/alarms/{id}/": Alarm.objects.get().pk,
        "/api/queue/calls/{id}/": Call.objects.get().pk,
        "/api/queue/rules/{id}/": rule.pk,
        "/api/queue/settings/{team_id}/": care.pk,
        "/api/saved-views/{id}/": view.pk,
        "/api/teams/{id}/": care.pk,
        "/api/teams/{id}/members/{user_id}/": alice.pk,
        "/api/tokens/{id}/": spare_token.pk,
        "/api/webhooks/{id}/": hook.pk,
    }
    return {
        "ids": ids,
        "admin": f"Bearer {create_token(adam, name='schemathesis')[1]}",
        "agent": f"Bearer {create_token(alice, name='schemathesis')[1]}",
    }


def _academy(learner: Any) -> dict[str, Any]:
    cohort = make_cohort(make_trainer("tara"))
    session = cohorts.add_session(None, cohort, starts_at=NOW, topic="Listening")
    enrolment = graduate(cohort, learner)
    version = cohort.version
    return {
        "/api/academy/cascade/{id}/": cohort.trainer_id,
        "/api/academy/cohorts/{id}/": cohort.pk,
        "/api/academy/courses/{id}/": version.course_id,
        "/api/academy/lessons/{id}/": version.lessons.order_by("id").first().pk,
        "/api/academy/sessions/{id}/": session.pk,
        "/api/academy/teachbacks/{id}/": enrolment.teachback.pk,
        "/api/academy/versions/{id}/": version.pk,
    }


def _experience(care: Any, handler: Any, admin: Any) -> dict[str, Any]:
    """A low rating (so a recovery too) on a solved conversation, and an open pulse."""
    now = timezone.now().replace(microsecond=0)
    solved = make_conversation(care, contact=make_contact("Uma Lind"), subject="Late parcel")
    conversations.update_conversation(
        handler, solved, expected_version=None, assignee=handler, status=Status.SOLVED, now=now
    )
    surveys.schedule_survey(solved.pk, now=now)  # what the solve's subscriber does on commit
    _survey, token = send_and_token(now)
    response = surveys.record_answer(token, score="1", comment="Too slow.", now=now)
    pulse_round = pulse.open_round(admin, care, now=now)
    return {
        "/api/experience/pulse/rounds/{id}/": pulse_round.pk,
        "/api/experience/recoveries/{id}/": Recovery.objects.get(response=response).pk,
        "/api/experience/responses/{id}/": response.pk,
        "/api/experience/settings/{team_id}/": care.pk,
    }


def _goodwill(care: Any, agent: Any, conversation: Any) -> dict[str, Any]:
    """A grant over the agent's limit, so it waits for a decision, and a story about it."""
    action = make_action()
    limit(action, team=care)
    grant = grants.grant_goodwill(
        agent, conversation, action=action, amount="75", reason="Lid broke twice.", now=NOW
    )
    story = stories.record_story(
        agent,
        title="The second lid",
        happened="Her kettle lid broke again.",
        choice="A refund and a new kettle.",
        outcome="She wrote to thank us.",
        grant_id=grant.pk,
        now=NOW,
    )
    return {
        "/api/goodwill/actions/{id}/": action.pk,
        "/api/goodwill/grants/{id}/": grant.pk,
        "/api/goodwill/reports/{dim}/": "team",
        "/api/goodwill/stories/{id}/": story.pk,
    }


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook pings and deliveries run inline in tests; answer them as an unreachable
    endpoint at once instead of waiting on the network."""

    def unreachable(url: str, **_kwargs: Any) -> httpx.Response:
        raise httpx.ConnectError(f"{url} is not reachable from the tests")

    monkeypatch.setattr(webhooks.httpx, "post", unreachable)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits and presence live in the cache: each operation starts from zero."""
    cache.clear()
    yield
    cache.clear()


def real_path_parameters(path: str, ids: dict[str, Any]) -> dict[str, Any]:
    """The id of an existing row for each parameter of ``path``, found by the path up to
    and including that parameter (``/api/teams/{id}/members/{user_id}/`` → team, person)."""
    found = {}
    for name in re.findall(r"\{(\w+)\}", path):
        prefix = path[: path.index(f"{{{name}}}") + len(name) + 2] + "/"
        assert prefix in ids, f"Add a row for {prefix} to the world of {__name__}."
        found[name] = ids[prefix]
    return found


def on_real_rows(case: schemathesis.Case, world: dict[str, Any]) -> None:
    """Point the case's path at real rows, unless the path is what the case breaks."""
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if path is not None and path.mode == GenerationMode.POSITIVE:
        case.path_parameters = real_path_parameters(case.operation.path, world["ids"])


def call(case: schemathesis.Case, token: str) -> schemathesis.Response:
    return case.call(headers={"Authorization": token})


# --- the passes ------------------------------------------------------------------------


@breaking_each_field.parametrize()
@common_settings(max_examples=1)  # the coverage phase sends all its cases regardless
def test_admin_breaking_each_field(
    case: schemathesis.Case, world: dict[str, Any], db: None
) -> None:
    on_real_rows(case, world)
    case.validate_response(call(case, world["admin"]), checks=CHECKS)


@random_requests.parametrize()
@random_requests.given(made_up_ids=st.booleans())
@common_settings(max_examples=10)
def test_admin_random_requests(
    case: schemathesis.Case, made_up_ids: bool, world: dict[str, Any], db: None
) -> None:
    if not made_up_ids:
        on_real_rows(case, world)
    case.validate_response(call(case, world["admin"]), checks=CHECKS)


# What an agent may not do: every operation whose label matches one of these.
BEYOND_AN_AGENT = [
    r"\w+ /api/(audit|jobs/failed|webhooks|mail)/",  # administration
    r"(POST|PATCH|DELETE) /api/people/",  # people are managed by admins
    r"POST /api/teams/$",
    r"(POST|PATCH|DELETE) /api/macros/",  # shared macros are the desk admin's
    r"(POST|PATCH|DELETE) /api/commitments/policies/",
    r"(POST|PATCH|DELETE) /api/queue/rules/",
    r"POST /api/queue/events/",  # the phone system's feed
    r"\w+ /api/contacts/\{id\}/(erase|export)/",  # privacy requests
    r"\w+ /api/quality/(assignments|calibration|sampling|reports|sections|criteria)/",
    r"POST /api/quality/(scorecards|versions)/",
    r"POST /api/quality/coaching/(\{id\}/(follow-up|items)/)?$",
    r"\w+ /api/autoqa/(agreement|links)/",  # QA managers' calibration of the auto scorer
    r"\w+ /api/insights/",  # leads and managers
    r"\w+ /api/experience/(reports|recoveries|settings)/",
    r"GET /api/experience/(responses|pulse/rounds)/",  # reports: answers, pulse figures
    r"POST /api/experience/pulse/rounds/(\{id\}/close/)?$",
    r"POST /api/goodwill/actions/$",  # the catalogue and the limits are the admin's
    r"\w+ /api/goodwill/(limits|reports)/",
    r"POST /api/goodwill/(grants/\{id\}/decide|stories/\{id\}/(feature|offer))/",
    r"\w+ /api/academy/(courses|versions/\{id\}/$|versions/\{id\}/(lessons|publish)/)",
    r"\w+ /api/academy/(lessons/\{id\}/$|lessons/\{id\}/questions/|sessions/)",
    r"POST /api/academy/cohorts/($|\{id\}/(enrol|sessions|finish)/)",
    r"GET /api/academy/cohorts/\{id\}/report/",
    r"POST /api/academy/teachbacks/\{id\}/(acknowledge|endorse)/",
]


@random_requests.parametrize()
@common_settings(max_examples=4)
def test_agent_is_refused_what_needs_more_rights(
    case: schemathesis.Case, world: dict[str, Any], db: None
) -> None:
    on_real_rows(case, world)
    response = call(case, world["agent"])
    if any(re.match(pattern, case.operation.label) for pattern in BEYOND_AN_AGENT):
        assert response.status_code in (403, 404), (
            f"{case.operation.label} answered an agent {response.status_code}: {response.text}"
        )
    case.validate_response(response, checks=CHECKS)


def test_the_schema_builds_without_a_warning(db):
    """Every view's model and every choice set has a stable name in the published schema
    (``spectacular --validate --fail-on-warn``): a warning here is a schema that changes
    names under clients' feet, or a view documented without its model."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
