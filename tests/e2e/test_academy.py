"""The academy in a real browser: a trainer publishes a lesson, a learner passes the quiz
and files a teach-back, a peer comments, another trainer endorses the graduate, and the
cascade tree shows two generations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from servewell.academy import cohorts, courses
from servewell.academy.models import Cohort, Endorsement
from servewell.academy.tests.factories import NOW, make_trainer
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def academy():
    care = make_team("Care", email="care@example.org")
    tara = make_trainer("tara", team=care, display_name="Tara Trainer")
    uma = make_trainer("uma", team=care, display_name="Uma Okafor")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    ben = make_person("ben", [Role.AGENT], team=care, display_name="Ben Carter")
    return tara, uma, alice, ben


@pytest.mark.e2e
def test_lesson_quiz_teachback_comment_endorsement_and_cascade(new_page, sign_in, academy):
    tara, uma, alice, ben = academy
    trainer = new_page()
    sign_in(trainer, tara)
    trainer.goto("/academy/courses/")
    trainer.get_by_label("Title", exact=True).fill("Customer focus")
    trainer.get_by_role("button", name="Create course").click()
    trainer.get_by_label("Title", exact=True).fill("Listening first")
    trainer.get_by_label("Lesson (Markdown)").fill("## Listen\n\nLet them **finish**.")
    trainer.get_by_label("Community edition", exact=True).select_option("variant")
    trainer.get_by_label("Community variant (Markdown)").fill("At home, let everyone finish.")
    trainer.get_by_label("Reflection questions (one per line)").fill("Who listened to you?")
    trainer.get_by_label("Quiz pass mark (%)").fill("100")
    trainer.get_by_role("button", name="Add lesson").click()
    trainer.get_by_role("link", name="Listening first").click()
    trainer.get_by_label("Question", exact=True).fill("What comes first?")
    trainer.get_by_label("Choices (one per line; start the right ones with *)").fill(
        "*Listening\nAnswering"
    )
    trainer.get_by_role("button", name="Add question").click()
    trainer.get_by_role("link", name=re.compile("Customer focus")).click()
    trainer.get_by_role("button", name="Publish version 1").click()
    expect(trainer.get_by_text("Version 1 is published.")).to_be_visible()

    version = courses.latest_published(courses.Course.objects.get())
    cohort = cohorts.create_cohort(
        tara, name="Spring", version=version, trainer=tara,
        teachback_due=NOW.date().replace(year=2030), now=NOW,
    )  # fmt: skip
    cohorts.enrol(tara, cohort, [alice, ben], now=NOW)

    learner = new_page()
    sign_in(learner, alice)
    learner.goto(f"/academy/cohorts/{cohort.pk}/")
    learner.get_by_role("link", name="Listening first").click()
    expect(learner.locator(".lesson-body strong")).to_have_text("finish")
    learner.get_by_label("Listening").check()
    learner.get_by_role("button", name="Submit answers").click()
    expect(learner.get_by_text("Quiz passed.", exact=True)).to_be_visible()
    learner.get_by_role("link", name=re.compile("Spring")).click()
    learner.get_by_role("link", name="Your teach-back").click()
    learner.get_by_label("Date", exact=True).fill("2026-05-01")
    learner.get_by_label("Setting").select_option("home")
    learner.get_by_label("People reached").fill("6")
    learner.get_by_label("What happened").fill("We practised listening at dinner.")
    learner.get_by_role("button", name="File report").click()
    expect(learner.get_by_text("Your teach-back report is filed.")).to_be_visible()

    peer = new_page()
    sign_in(peer, ben)
    peer.goto(learner.url)
    peer.get_by_label("Comment", exact=True).fill("What a lovely way to start!")
    peer.get_by_role("button", name="Post comment").click()
    expect(peer.locator(".comment")).to_contain_text("What a lovely way to start!")

    other = new_page()
    sign_in(other, uma)
    other.goto(learner.url)
    other.get_by_label("You observed").select_option("teachback")
    other.get_by_role("button", name="Endorse as trainer").click()
    expect(other.get_by_text("Alice Agent is now a trainer.")).to_be_visible()
    assert Endorsement.objects.get(trainee=alice).endorser == uma

    trainer.goto(f"/academy/cascade/?root={tara.pk}")
    tree = trainer.locator("svg.cascade-tree")
    expect(tree.locator("[data-generation='0']")).to_contain_text("Tara Trainer")
    expect(tree.locator("[data-generation='1']")).to_contain_text("Alice Agent")
    expect(trainer.locator(".academy-stats")).to_contain_text("6people reached")
    assert Cohort.objects.get().enrolments.get(learner=alice).completed_at is not None
    for page in (trainer, learner, peer, other):
        assert page.console_errors == []
