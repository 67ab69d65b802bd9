from servewell.core.models import AuditEntry
from servewell.mail.intake import ingest
from servewell.mail.models import InboundEmail


def test_admin_sees_quarantined_mail_with_its_reason(
    client_as, adam, care, django_assert_max_num_queries
):
    for i in range(3):
        ingest(f"junk {i}".encode(), source="test")
    client = client_as(adam)
    client.get("/desk/quarantine/")  # warm up the session and nav
    with django_assert_max_num_queries(12):
        response = client.get("/desk/quarantine/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("No RFC 5322 header found") == 3
    assert "Mail quarantine" in page  # the admin nav entry


def test_admin_opens_downloads_retries_and_discards(client_as, adam, care):
    inbound = ingest(b"not mail", source="test").inbound
    client = client_as(adam)
    detail = client.get(f"/desk/quarantine/{inbound.pk}/")
    assert detail.status_code == 200
    assert "not mail" in detail.content.decode()
    raw = client.get(f"/desk/quarantine/{inbound.pk}/raw/")
    assert raw.content == b"not mail"
    assert "attachment" in raw["Content-Disposition"]
    retry = client.post(f"/desk/quarantine/{inbound.pk}/retry/", follow=True)
    assert "Still not filed" in retry.content.decode()
    client.post(f"/desk/quarantine/{inbound.pk}/discard/")
    inbound.refresh_from_db()
    assert inbound.state == InboundEmail.State.DISCARDED
    assert AuditEntry.objects.filter(action="mail.discarded").count() == 1
    assert AuditEntry.objects.filter(action="mail.retried").count() == 1


def test_agents_cannot_open_the_quarantine(client_as, alice, care):
    inbound = ingest(b"not mail", source="test").inbound
    client = client_as(alice)
    assert client.get("/desk/quarantine/").status_code == 403
    assert client.get(f"/desk/quarantine/{inbound.pk}/raw/").status_code == 403
    assert client.post(f"/desk/quarantine/{inbound.pk}/discard/").status_code == 403


def test_unknown_state_tab_falls_back_with_a_message(client_as, adam):
    response = client_as(adam).get("/desk/quarantine/?state=bogus", follow=True)
    assert response.status_code == 200
    assert "Choose one of" in response.content.decode()
