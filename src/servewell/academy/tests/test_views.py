"""The academy's screens and API: who may do what, and bad input at the doors."""

from __future__ import annotations

import pytest

from servewell.academy import cohorts, courses
from servewell.academy.models import Lesson, TeachBack
from servewell.academy.tests.factories import (
    NOW,
    graduate,
    make_cohort,
    make_course,
    make_trainer,
    right_answers,
)


def test_a_trainer_writes_and_publishes_a_lesson_through_the_pages(tara, client_as):
    client = client_as(tara)
    response = client.post("/academy/courses/", {"title": "Customer focus"})
    course_url = response["Location"]
    response = client.post(
        course_url,
        {
            "title": "Listen",
            "body": "**Listen** first",
            "community": "work_only",
            "max_attempts": 3,
            "reflections": "Why?\nWhen?",
        },
    )
    assert response.status_code == 302
    lesson = Lesson.objects.get()
    assert lesson.reflections.count() == 2
    draft = lesson.version
    assert client.post(f"/academy/versions/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert not draft.is_draft


def test_a_script_in_a_lesson_is_a_form_error_not_a_lesson(tara, client_as):
    course = courses.create_course(None, title="C", now=NOW)
    response = client_as(tara).post(
        f"/academy/courses/{course.pk}/",
        {
            "title": "Bad",
            "body": "<script>alert(1)</script>",
            "community": "work_only",
            "max_attempts": 3,
        },
    )
    assert response.status_code == 400
    assert b"script" in response.content and not Lesson.objects.exists()


def test_agents_may_not_write_courses(alice, client_as):
    assert client_as(alice).get("/academy/courses/").status_code == 403
    assert client_as(alice).post("/academy/courses/", {"title": "X"}).status_code == 403


def test_a_learner_passes_the_quiz_on_the_lesson_page(tara, alice, client_as):
    cohort = make_cohort(tara)
    cohorts.enrol(None, cohort, [alice], now=NOW)
    lesson = cohort.version.lessons.get(title="Listening first")
    client = client_as(alice)
    url = f"/academy/cohorts/{cohort.pk}/lessons/{lesson.pk}/"
    assert b"Listening first" in client.get(url).content
    data = {f"q{q}": c for q, c in right_answers(lesson).items()}
    client.post(url + "quiz/", data)
    assert b"Quiz passed" in client.get(url).content


def test_a_teachback_for_a_cohort_one_is_not_in_is_not_found(tara, alice, bob, client_as):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    tb = enrolment.teachback
    response = client_as(bob).post(
        f"/academy/teachbacks/{tb.pk}/",
        {"taught_on": "2026-05-01", "setting": "home", "people_reached": 3, "what_happened": "x"},
    )
    assert response.status_code == 404
    assert client_as(bob).get(f"/academy/cohorts/{cohort.pk}/lessons/1/").status_code == 404
    tb.refresh_from_db()
    assert tb.filed_at is None


@pytest.mark.parametrize("reached", ["-3", "0", "10001", "lots", "1e9"])
def test_the_report_form_refuses_absurd_numbers(tara, alice, client_as, reached):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    response = client_as(alice).post(
        f"/academy/teachbacks/{enrolment.teachback.pk}/",
        {
            "taught_on": "2026-05-01",
            "setting": "home",
            "people_reached": reached,
            "what_happened": "x",
        },
    )
    assert response.status_code == 400
    assert not TeachBack.objects.filter(filed_at__isnull=False).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/academy/cohorts/abc/",
        "/academy/cascade/?root=x",
        "/academy/cascade/?root=99999999999999999999",
        "/academy/teachbacks/999/",
        "/academy/versions/999/book/",
    ],
)
def test_hostile_links_never_give_a_server_error(alice, client_as, path):
    assert client_as(alice).get(path).status_code in (200, 404)


def test_lists_keep_their_query_counts(tara, alice, client_as, django_assert_max_num_queries):
    cohort = make_cohort(tara)
    for n in range(3):
        graduate(make_cohort(tara, name=f"C{n}"), alice) if n == 0 else None
    cohorts.enrol(None, cohort, [alice], now=NOW)
    client = client_as(tara)
    for path in (
        "/academy/",
        "/academy/cohorts/",
        "/academy/courses/",
        f"/academy/cohorts/{cohort.pk}/",
        "/academy/cascade/",
    ):
        with django_assert_max_num_queries(30):
            assert client.get(path).status_code == 200


def test_the_cascade_page_draws_the_tree(tara, alice, client_as):
    graduate(make_cohort(tara), alice)
    content = client_as(alice).get("/academy/cascade/").content.decode()
    assert "<svg" in content and "people trained at work" in content


def test_the_person_page_shows_learning(tara, alice, lena, client_as):
    graduate(make_cohort(tara), alice)
    content = client_as(lena).get(f"/people/{alice.pk}/").content.decode()
    assert "Learning" in content and "Customer focus" in content


def test_the_cohort_report_and_its_csv(tara, alice, lena, client_as):
    cohort = make_cohort(tara)
    graduate(cohort, alice)
    client = client_as(lena)
    assert (
        b"quality before and after" in client.get(f"/academy/cohorts/{cohort.pk}/report/").content
    )
    csv = client.get(f"/academy/cohorts/{cohort.pk}/report/?format=csv")
    assert csv["Content-Type"].startswith("text/csv") and b"before_reviews" in csv.content
    assert client_as(alice).get(f"/academy/cohorts/{cohort.pk}/report/").status_code == 403


# --- API ---------------------------------------------------------------------------------


def test_the_api_runs_the_whole_journey(tara, alice, lena, api):
    uma = make_trainer("uma")
    trainer = api(tara)
    course = trainer.post("/api/academy/courses/", {"title": "Focus"}, format="json").json()
    draft = course["versions"][0]["id"]
    lesson = trainer.post(
        f"/api/academy/versions/{draft}/lessons/",
        {
            "title": "L1",
            "body": "Hi",
            "pass_mark": 100,
            "reflections": ["Why?"],
            "questions": [
                {"text": "Q", "choices": [{"text": "A", "correct": True}, {"text": "B"}]}
            ],
        },
        format="json",
    ).json()
    assert (
        trainer.post(f"/api/academy/versions/{draft}/publish/", {}, format="json").status_code
        == 200
    )
    cohort = trainer.post(
        "/api/academy/cohorts/",
        {"name": "API", "version": draft, "teachback_due": "2030-01-01"},
        format="json",
    ).json()
    trainer.post(
        f"/api/academy/cohorts/{cohort['id']}/enrol/",
        {"people": [alice.pk, lena.pk]},
        format="json",
    )
    learner = api(alice)
    q = lesson["questions"][0]
    right = [c["id"] for c in q["choices"] if c["text"] == "A"]
    attempt = learner.post(
        f"/api/academy/lessons/{lesson['id']}/quiz/",
        {"cohort": cohort["id"], "answers": [{"question": q["id"], "choices": right}]},
        format="json",
    )
    assert attempt.status_code == 201, attempt.content
    assert attempt.json()["passed"]
    tb = learner.get("/api/academy/teachbacks/").json()["results"]
    mine = next(t for t in tb if t["learner"] == alice.pk)
    filed = learner.post(
        f"/api/academy/teachbacks/{mine['id']}/report/",
        {
            "taught_on": "2026-01-02",
            "setting": "school",
            "people_reached": 30,
            "what_happened": "A class of thirty.",
        },
        format="json",
    )
    assert filed.status_code == 200, filed.content
    assert (
        api(lena)
        .post(f"/api/academy/teachbacks/{mine['id']}/comments/", {"body": "Great"}, format="json")
        .status_code
        == 201
    )
    refused = trainer.post(
        f"/api/academy/teachbacks/{mine['id']}/endorse/", {"observed": "practice"}, format="json"
    )
    assert refused.status_code == 400 and "own trainees" in refused.json()["detail"]
    endorsed = api(uma).post(
        f"/api/academy/teachbacks/{mine['id']}/endorse/", {"observed": "teachback"}, format="json"
    )
    assert endorsed.status_code == 201
    reach = learner.get(f"/api/academy/cascade/{tara.pk}/").json()
    assert (reach["trained"], reach["reached"]) == (1, 30)


def test_the_api_refuses_bad_input_with_4xx(tara, alice, api):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    learner = api(alice)
    bad = learner.post(
        f"/api/academy/teachbacks/{enrolment.teachback.pk}/report/",
        {"taught_on": "2026-01-02", "setting": "home", "people_reached": -4, "what_happened": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "people_reached" in bad.json()
    lesson = cohort.version.lessons.get(title="Listening first")
    wrong = {"cohort": cohort.pk, "answers": []}
    for _ in range(2):
        assert (
            learner.post(
                f"/api/academy/lessons/{lesson.pk}/quiz/", wrong, format="json"
            ).status_code
            == 201
        )
    used = learner.post(f"/api/academy/lessons/{lesson.pk}/quiz/", wrong, format="json")
    assert used.status_code == 409 or used.status_code == 400
    course = courses.create_course(None, title="Bad", now=NOW)
    draft = courses.draft_of(course)
    script = api(tara).post(
        f"/api/academy/versions/{draft.pk}/lessons/",
        {"title": "x", "body": "<script>x</script>"},
        format="json",
    )
    assert script.status_code == 400 and not draft.lessons.exists()
    assert (
        api(alice).post("/api/academy/courses/", {"title": "x"}, format="json").status_code == 403
    )
    assert api(alice).get("/api/academy/cohorts/abc/").status_code == 404


def test_the_api_lists_keep_their_query_counts(tara, alice, api, django_assert_max_num_queries):
    for n in range(3):
        graduate(make_cohort(tara, name=f"C{n}", course=make_course(title=f"T{n}")), alice)
    client = api(tara)
    for path in ("/api/academy/courses/", "/api/academy/cohorts/", "/api/academy/teachbacks/"):
        with django_assert_max_num_queries(12):
            assert client.get(path).status_code == 200
