"""Reports: IQS by person, team and quarter, heatmap, distribution, workload, badges."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.quality import reports, reviews, sampling
from servewell.quality.tests.factories import NOW, full_answers, handled

Q2, Q1 = 20262, 20261


@pytest.fixture
def scored(care, orders, alice, bob, lena, quinn, version):
    """Alice: 100, 0 (Q2) and 100 (Q1); Bob (Orders): 100 x 5 (Q2); Lena: 50 (Q2)."""
    plan = [
        (care, alice, NOW, {}),
        (care, alice, NOW, {"Correct_answer": 0}),
        (care, alice, NOW - dt.timedelta(days=60), {}),
        (care, lena, NOW, {"Owns_the_problem": 1, "Offers_a_next_step": None, "Greets_by_name": 0}),
    ] + [(orders, bob, NOW, {})] * 5
    made = []
    for n, (team, person, when, answers) in enumerate(plan):
        review = reviews.start_review(
            quinn, handled(team, person, email=f"r{n}@example.com"), version=version, now=when
        )
        made.append(
            reviews.submit_review(quinn, review, now=when, answers=full_answers(version, **answers))
        )
    return made


def test_iqs_by_person_team_and_quarter(scored, maria):
    people = {r["name"]: (r["reviews"], r["iqs"]) for r in reports.iqs_by_person(maria, quarter=Q2)}
    assert people == {"Alice": (2, 50.0), "Bob": (5, 100.0), "Lena": (1, 50.0)}
    teams = {r["name"]: (r["reviews"], r["iqs"]) for r in reports.iqs_by_team(maria, quarter=Q2)}
    assert teams == {"Care": (3, 50.0), "Orders": (5, 100.0)}
    quarters = {r["quarter"]: r["iqs"] for r in reports.iqs_by_quarter(maria, quarter=Q2)}
    assert quarters[Q1] == 100.0 and quarters[Q2] == pytest.approx(81.25)
    assert len(quarters) == reports.TREND_QUARTERS
    assert reports.overall(maria, quarter=Q2) == {"reviews": 8, "iqs": 81.25}


def test_a_lead_sees_only_their_teams_figures(scored, lena):
    names = {r["name"] for r in reports.iqs_by_person(lena, quarter=Q2)}
    assert names == {"Alice", "Lena"}
    assert [r["name"] for r in reports.iqs_by_team(lena, quarter=Q2)] == ["Care"]


def test_a_perfect_quarter_earns_the_badge(scored, maria):
    assert [b["name"] for b in reports.badges(maria, quarter=Q2)] == ["Bob"]
    assert reports.badges(maria, quarter=Q2, min_reviews=6) == []


def test_the_distribution_counts_reviews_per_band(scored, maria):
    bands = {r["label"]: r["reviews"] for r in reports.distribution(maria, quarter=Q2)}
    assert bands["100"] == 6 and bands["0–9"] == 1 and bands["50–59"] == 1
    assert sum(bands.values()) == 8 and len(bands) == 11


def test_the_heatmap_averages_each_criterion_per_person(scored, maria, card, alice, lena):
    grid = reports.heatmap(maria, quarter=Q2, scorecard=card)
    titles = [c["title"] for c in grid.criteria]
    assert titles == ["Greets by name", "Owns the problem", "Correct answer", "Offers a next step"]
    rows = {r["name"]: r["cells"] for r in grid.rows()}
    alice_cells = dict(zip(titles, rows["Alice"], strict=True))
    assert alice_cells["Correct answer"]["avg"] == 50.0
    assert alice_cells["Correct answer"]["css"] == "heat-5"
    lena_cells = dict(zip(titles, rows["Lena"], strict=True))
    assert lena_cells["Offers a next step"] is None  # only N/A
    assert lena_cells["Greets by name"]["css"] == "heat-0"


def test_workload_shows_queues_and_reviews_given(scored, maria, quinn, card, care, alice):
    plan = sampling.create_plan(None, name="W", scorecard=card, per_person=1, now=NOW)
    week = sampling.previous_week(NOW)[0] + dt.timedelta(hours=1)
    handled(care, alice, opened=week, solved=week, email="w@example.com")
    sampling.run_sampling(None, plan, now=NOW, seed=1)
    rows = {r["name"]: r for r in reports.workload(maria, quarter=Q2)}
    assert rows["Quinn"]["submitted"] == 8
    assert sum(r["pending"] for r in rows.values()) == 1


def test_every_table_exports(scored, maria, card):
    for name in reports.TABLE_NAMES:
        headers, rows = reports.table(name, maria, quarter=Q2, team=None, scorecard=card)
        assert headers and all(len(r) == len(headers) for r in rows)


def test_the_report_reads_a_few_queries_whatever_the_data(
    scored, maria, django_assert_max_num_queries
):
    assert maria.roles  # loaded once per request by the middleware
    with django_assert_max_num_queries(4):
        reports.iqs_by_person(maria, quarter=Q2)
        reports.iqs_by_team(maria, quarter=Q2)
        reports.iqs_by_quarter(maria, quarter=Q2)
        reports.overall(maria, quarter=Q2)


@pytest.mark.parametrize("value", ["2026Q2", "20262", "2026 q2", ""])
def test_quarters_parse(value):
    assert reports.parse_quarter(value, now=NOW) == Q2


@pytest.mark.parametrize("value", ["2026Q5", "Q2", "last", "2026-04"])
def test_bad_quarters_are_refused(value):
    from servewell.core.errors import DomainError

    with pytest.raises(DomainError):
        reports.parse_quarter(value, now=NOW)
