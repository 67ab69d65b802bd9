import datetime as dt

from servewell.core import notifications
from servewell.core.models import Notification


def test_people_get_notifications_in_app_and_by_email(
    client_as, alice, lena, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            [alice, lena, alice], "SLA breached on #12", body="Late.", url="/desk/c/12/"
        )
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "lena@example.org"]
    client = client_as(alice)
    page = client.get("/").content.decode()
    assert "1 unread" in page
    assert "SLA breached on #12" in client.get("/notifications/").content.decode()
    client.post("/notifications/")
    assert "0 unread" in client.get("/").content.decode()


def test_notifications_api_lists_only_mine_and_marks_read(client_as, alice, lena):
    notifications.notify([alice], "For Alice", email=False)
    notifications.notify([lena], "For Lena", email=False)
    client = client_as(alice)
    titles = [n["title"] for n in client.get("/api/notifications/").json()["results"]]
    assert titles == ["For Alice"]
    assert client.post("/api/notifications/read/", {}, content_type="application/json").json() == {
        "marked": 1
    }
    bad = client.post("/api/notifications/read/", {"ids": "all"}, content_type="application/json")
    assert bad.status_code == 400 and "ids" in bad.json()


def test_marking_read_an_id_past_64_bits_is_a_400_naming_ids(client_as, alice):
    # Was a 500 on SQLite: the id could not be bound as a 64-bit integer.
    response = client_as(alice).post(
        "/api/notifications/read/", {"ids": [2**70]}, content_type="application/json"
    )
    assert response.status_code == 400 and "ids" in response.json()


def test_the_schema_documents_what_marking_read_answers(client, db):
    schema = client.get("/api/schema/?format=json").json()
    answer = schema["paths"]["/api/notifications/read/"]["post"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert list(schema["components"]["schemas"][ref]["properties"]) == ["marked"]


def test_filtering_by_a_moment_with_any_utc_offset_works(client_as, alice):
    # "-23:16" is valid ISO 8601 but past PostgreSQL's ±15:59: it was a 500 there.
    (note,) = notifications.notify([alice], "Read long ago", email=False)
    moment = dt.datetime(
        2026, 3, 4, 8, 46, 21, tzinfo=dt.timezone(-dt.timedelta(hours=23, minutes=16))
    )
    Notification.objects.filter(pk=note.pk).update(read_at=moment.astimezone(dt.UTC))
    response = client_as(alice).get("/api/notifications/", {"read_at": moment.isoformat()})
    assert response.status_code == 200
    assert [n["title"] for n in response.json()["results"]] == ["Read long ago"]
