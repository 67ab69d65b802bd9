import pytest

from servewell.desk.tests.factories import make_conversation
from servewell.goodwill.models import Grant, Story
from servewell.goodwill.tests.factories import limit, make_action


@pytest.fixture
def refund(care):
    action = make_action()
    limit(action)
    return action


def test_the_conversation_page_shows_the_goodwill_form_and_grants(client_as, alice, care, refund):
    conversation = make_conversation(care)
    client = client_as(alice)
    response = client.post(
        f"/goodwill/c/{conversation.pk}/grant/",
        {"goodwill-action": refund.pk, "goodwill-amount": "10", "goodwill-reason": "Late parcel"},
    )
    assert response.status_code == 302
    page = client.get(f"/desk/c/{conversation.pk}/").content.decode()
    assert "Grant goodwill" in page and "data-insert-goodwill" in page and "10.00 EUR" in page


def test_bad_grant_form_input_is_a_400_and_stores_nothing(client_as, alice, bob, care, refund):
    conversation = make_conversation(care)
    bad = client_as(alice).post(
        f"/goodwill/c/{conversation.pk}/grant/",
        {"goodwill-action": refund.pk, "goodwill-amount": "-3", "goodwill-reason": "x"},
    )
    assert bad.status_code == 400
    hidden = client_as(bob).post(
        f"/goodwill/c/{conversation.pk}/grant/",
        {"goodwill-action": refund.pk, "goodwill-amount": "3", "goodwill-reason": "x"},
    )
    assert hidden.status_code == 404 and not Grant.objects.exists()


def test_the_lead_approves_with_one_click_from_the_notification_page(
    client, alice, lena, care, refund
):
    conversation = make_conversation(care)
    client.force_login(alice)
    client.post(
        f"/goodwill/c/{conversation.pk}/grant/",
        {"goodwill-action": refund.pk, "goodwill-amount": "70", "goodwill-reason": "Broken twice"},
    )
    grant = Grant.objects.get()
    client.force_login(lena)
    page = client.get(f"/goodwill/grants/{grant.pk}/").content.decode()
    assert "Approve" in page and "csrfmiddlewaretoken" in page
    assert (
        client.post(f"/goodwill/grants/{grant.pk}/decide/", {"decision": "approve"}).status_code
        == 302
    )
    grant.refresh_from_db()
    assert grant.status == "approved"
    assert (
        client.post(f"/goodwill/grants/{grant.pk}/decide/", {"decision": "approve"}).status_code
        == 409
    )


def test_the_contact_page_shows_the_goodwill_history(client_as, alice, care, refund):
    conversation = make_conversation(care)
    client = client_as(alice)
    client.post(
        f"/goodwill/c/{conversation.pk}/grant/",
        {"goodwill-action": refund.pk, "goodwill-amount": "10", "goodwill-reason": "Late"},
    )
    page = client.get(f"/desk/contacts/{conversation.contact_id}/").content.decode()
    assert "Goodwill history" in page


def test_reports_render_with_a_chart_and_csv(
    client_as, alice, lena, care, refund, django_assert_max_num_queries
):
    client = client_as(alice)
    client.post(
        f"/goodwill/c/{make_conversation(care).pk}/grant/",
        {"goodwill-action": refund.pk, "goodwill-amount": "10", "goodwill-reason": "Late"},
    )
    client = client_as(lena)
    with django_assert_max_num_queries(25):
        page = client.get("/goodwill/reports/?months=abc&team=%C2%B3")
    assert page.status_code == 200 and b"<svg" in page.content
    csv = client.get("/goodwill/reports/person.csv")
    assert (
        csv["Content-Type"].startswith("text/csv")
        and b"alice" in csv.content.lower()
        or b"10.00" in csv.content
    )
    assert client.get("/goodwill/reports/nope.csv").status_code == 404


def test_stories_page_records_and_lists_stories(
    client_as, alice, lena, care, django_assert_max_num_queries
):
    client = client_as(alice)
    assert client.post("/goodwill/stories/", {"title": "", "happened": "x"}).status_code == 400
    made = client.post(
        "/goodwill/stories/",
        {
            "title": "Kettle",
            "happened": "Broke",
            "choice": "New one",
            "outcome": "Happy",
            "conversation": "999999",
        },
    )
    assert made.status_code == 400 and not Story.objects.exists()
    made = client.post(
        "/goodwill/stories/",
        {"title": "Kettle", "happened": "Broke", "choice": "New one", "outcome": "Happy"},
    )
    story = Story.objects.get()
    with django_assert_max_num_queries(12):
        assert client.get("/goodwill/stories/").status_code == 200
    client.post(f"/goodwill/stories/{story.pk}/react/", {"kind": "applaud"})
    assert client.post(f"/goodwill/stories/{story.pk}/react/", {"kind": "nope"}).status_code == 400
    assert (
        client.post(f"/goodwill/stories/{story.pk}/feature/", {"what": "feature"}).status_code
        == 403
    )
    lead = client_as(lena)
    assert lead.post(f"/goodwill/stories/{story.pk}/feature/", {"what": "offer"}).status_code == 400
    lead.post(f"/goodwill/stories/{story.pk}/feature/", {"what": "feature"})
    lead.post(f"/goodwill/stories/{story.pk}/feature/", {"what": "offer"})
    story.refresh_from_db()
    assert story.featured and story.offered_to_academy and story.reactions.count() == 1


def test_admin_settings_refuse_a_wrong_currency(client_as, adam, alice):
    client = client_as(adam)
    bad = client.post(
        "/goodwill/settings/",
        {"define": "1", "a-name": "Credit", "a-kind": "credit", "a-currency": "ZZZ"},
    )
    assert bad.status_code == 400 and b"ISO 4217" in bad.content
    assert client_as(alice).get("/goodwill/settings/").status_code == 403
