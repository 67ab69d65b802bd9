import pytest

from servewell.desk.tests.factories import make_conversation
from servewell.goodwill.models import Grant, Story
from servewell.goodwill.tests.factories import limit, make_action

URL = "/api/goodwill/grants/"


@pytest.fixture
def refund(care):
    action = make_action()
    limit(action)
    return action


def body(conversation, refund, amount="20.00"):
    return {
        "conversation": conversation.pk,
        "action": refund.pk,
        "amount": amount,
        "reason": "Late",
    }


def test_a_retried_grant_with_the_same_key_returns_the_first_result(api, alice, care, refund):
    conversation = make_conversation(care)
    client = api(alice)
    first = client.post(URL, body(conversation, refund), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(URL, body(conversation, refund), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and Grant.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api, alice, care, refund):
    conversation = make_conversation(care)
    client = api(alice)
    client.post(URL, body(conversation, refund), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    other = client.post(
        URL, body(conversation, refund, "30"), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert other.status_code == 422 and Grant.objects.count() == 1


def test_a_create_without_a_key_is_refused(api, alice, care, refund):
    response = api(alice).post(URL, body(make_conversation(care), refund), format="json")
    assert response.status_code == 400 and not Grant.objects.exists()


@pytest.mark.parametrize("amount", ["-1", "0", "99999999999", "abc", None])
def test_bad_amounts_are_a_400(api, alice, care, refund, amount):
    response = api(alice).post(
        URL, body(make_conversation(care), refund, amount), format="json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert response.status_code == 400 and not Grant.objects.exists()


def test_a_grant_on_a_conversation_the_user_cannot_see_is_refused(api, bob, care, refund):
    response = api(bob).post(
        URL, body(make_conversation(care), refund), format="json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert response.status_code == 400 and not Grant.objects.exists()


def test_a_lead_approves_through_the_api(api, alice, lena, care, refund):
    made = api(alice).post(
        URL, body(make_conversation(care), refund, "75"), format="json", HTTP_IDEMPOTENCY_KEY="a"
    )
    assert made.json()["status"] == "pending"
    pk = made.json()["id"]
    assert (
        api(alice).post(f"{URL}{pk}/decide/", {"decision": "approve"}, format="json").status_code
        == 403
    )
    done = api(lena).post(f"{URL}{pk}/decide/", {"decision": "approve"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    twice = api(lena).post(f"{URL}{pk}/decide/", {"decision": "approve"}, format="json")
    assert twice.status_code == 409


def test_grants_list_is_scoped_and_counts_its_queries(
    api, alice, bob, care, refund, django_assert_max_num_queries
):
    api(alice).post(
        URL, body(make_conversation(care), refund), format="json", HTTP_IDEMPOTENCY_KEY="a"
    )
    with django_assert_max_num_queries(8):
        assert len(api(alice).get(URL).json()["results"]) == 1
    assert api(bob).get(URL).json()["results"] == []


def test_an_admin_defines_an_action_and_a_wrong_currency_is_a_400(api, adam):
    bad = api(adam).post(
        "/api/goodwill/actions/",
        {"name": "Credit", "kind": "credit", "currency": "XXQ", "has_amount": True},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c",
    )
    assert bad.status_code == 400
    ok = api(adam).post(
        "/api/goodwill/actions/",
        {"name": "Credit", "kind": "credit", "currency": "gbp", "has_amount": True},
        format="json",
        HTTP_IDEMPOTENCY_KEY="d",
    )
    assert ok.status_code == 201 and ok.json()["currency"] == "GBP"


def test_an_action_defined_without_the_optional_flags_takes_their_defaults(api, adam):
    # Left out, has_amount never reached define_action: a 500.
    made = api(adam).post(
        "/api/goodwill/actions/",
        {"name": "Flowers", "kind": "refund", "currency": "EUR"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="e",
    )
    assert made.status_code == 201
    assert made.json()["has_amount"] is True and made.json()["is_active"] is True


def test_stories_are_recorded_featured_and_offered_to_the_academy(api, alice, lena, care):
    made = api(alice).post(
        "/api/goodwill/stories/",
        {
            "title": "The kettle",
            "happened": "It broke",
            "choice": "Sent a new one",
            "outcome": "She wrote back",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="s",
    )
    pk = made.json()["id"]
    assert api(alice).post(f"/api/goodwill/stories/{pk}/offer/").status_code == 403
    assert api(lena).post(f"/api/goodwill/stories/{pk}/offer/").status_code == 400
    assert (
        api(lena)
        .post(f"/api/goodwill/stories/{pk}/feature/", {"featured": True}, format="json")
        .status_code
        == 200
    )
    offered = api(lena).post(f"/api/goodwill/stories/{pk}/offer/")
    assert offered.json()["offered_to_academy"] is True
    assert Story.objects.get().offered_by == lena


def test_the_report_api_lists_spend_by_team(api, alice, lena, care, refund):
    api(alice).post(
        URL, body(make_conversation(care), refund), format="json", HTTP_IDEMPOTENCY_KEY="a"
    )
    rows = api(lena).get("/api/goodwill/reports/team/").json()
    assert rows[0]["spend"] == "20.00" and rows[0]["share_without_approval"] == 100.0
    assert api(alice).get("/api/goodwill/reports/team/").status_code == 403
    assert api(lena).get("/api/goodwill/reports/team/?months=abc").status_code == 400
