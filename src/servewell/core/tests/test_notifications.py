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


def test_an_email_says_in_words_what_happened_even_without_a_body(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    # The coaching email was only a link.
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            [alice], "Lena recorded a coaching session with you", url="/quality/coaching/3/"
        )
    (mail,) = mailoutbox
    assert mail.body.startswith("Lena recorded a coaching session with you.")
    assert "/quality/coaching/3/" in mail.body


def test_a_person_who_chose_in_app_only_gets_no_email(
    alice, lena, mailoutbox, django_capture_on_commit_callbacks
):
    notifications.set_preferences(alice, {"general": "app"})
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify([alice, lena], "Something happened")
    assert [m.to for m in mailoutbox] == [["lena@example.org"]]
    assert Notification.objects.filter(user=alice).exists()


def test_a_digest_person_gets_one_daily_email_listing_everything(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    notifications.set_preferences(alice, {"general": "digest"})
    now = dt.datetime(2026, 12, 1, 7, 30, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            notifications.notify([alice], f"Thing {n}", now=now - dt.timedelta(hours=n + 1))
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_digests(now=now) == 1
        assert notifications.send_digests(now=now) == 0
    (mail,) = mailoutbox
    assert "3 notifications" in mail.subject
    assert all(f"Thing {n}" in mail.body for n in range(3))


def test_updates_on_one_conversation_within_minutes_fold_into_one(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    now = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        for n, title in enumerate(["Reassigned to you", "Customer wrote", "Priority raised"]):
            notifications.notify(
                [alice],
                title,
                topic="conversation:123",
                topic_label="#123",
                now=now + dt.timedelta(minutes=n),
            )
        notifications.notify(
            [alice],
            "Customer wrote again",
            topic="conversation:123",
            topic_label="#123",
            now=now + dt.timedelta(minutes=30),
        )
    rows = list(Notification.objects.filter(user=alice).order_by("created_at"))
    assert [r.count for r in rows] == [3, 1]
    assert rows[0].title == "3 updates on #123: Priority raised"
    assert "Reassigned to you" in rows[0].body and "Customer wrote" in rows[0].body
    assert len(mailoutbox) == 2


def test_history_is_filed_in_the_app_and_never_mailed(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), notifications.history():
        notifications.notify([alice], "Reviewed last month")
    assert mailoutbox == [] and Notification.objects.filter(user=alice).count() == 1


def test_preferences_are_chosen_on_the_profile_page(client_as, alice):
    client = client_as(alice)
    page = client.get("/me/").content.decode()
    assert 'id="notifications"' in page and 'name="notify-general"' in page
    response = client.post("/me/notifications/", {"notify-general": "digest"})
    assert response.status_code == 302
    assert [c for k, c in notifications.get_preferences(alice) if k.key == "general"] == ["digest"]
    client.post("/me/notifications/", {"notify-general": "pigeon"})
    assert [c for k, c in notifications.get_preferences(alice) if k.key == "general"] == ["digest"]


def test_preferences_api_reads_and_changes_the_callers_choices(api, alice):
    client = api(alice)
    rows = client.get("/api/notifications/preferences/").json()
    assert {"kind": "general", "label": "Everything else", "channel": "email"} in rows
    changed = client.put(
        "/api/notifications/preferences/", [{"kind": "general", "channel": "app"}], format="json"
    )
    assert changed.status_code == 200
    assert {"kind": "general", "label": "Everything else", "channel": "app"} in changed.json()
    bad = client.put(
        "/api/notifications/preferences/", [{"kind": "nope", "channel": "app"}], format="json"
    )
    assert bad.status_code == 400
    bad = client.put("/api/notifications/preferences/", {"general": 1}, format="json")
    assert bad.status_code == 400


def test_the_bell_is_an_inline_svg_icon_not_an_emoji(client_as, alice):
    page = client_as(alice).get("/").content.decode()
    bell = page[page.index('class="bell"') :]
    bell = bell[: bell.index("</a>")]
    assert "🔔" not in bell and "<svg" in bell and "style=" not in bell
