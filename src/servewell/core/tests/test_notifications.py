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
