"""The dashboard's figures are computed once per scope and kept for a short while: a
second view within the TTL reads them from the cache (far fewer queries, same numbers,
an honest "as of"), ``?fresh=1`` recomputes, and one lead's figures never reach another
lead's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servewell.commitments.models import SlaClock
from servewell.desk.tests.factories import make_conversation
from servewell.insights import dashboard, filters, snapshots
from servewell.insights.tests.test_insights import DAY, _clock, organisation  # noqa: F401
from servewell.people.models import Role
from servewell.people.tests.factories import make_person

LAST_WEEK = "/insights/?period=custom&start=2026-03-09&end=2026-03-15"
T0 = dt.datetime(2026, 3, 16, 9, 5, tzinfo=dt.UTC)
MEDIAN = "responsiveness.first_response_median"
P90 = "responsiveness.first_response_p90"


@pytest.fixture
def olaf(orders):
    """The lead of Orders."""
    return make_person("olaf", [Role.LEAD, Role.AGENT], team=orders, lead=True)


def _values(response) -> dict[str, float | None]:
    return {t.figure.key: t.value for g in response.context["groups"] for t in g.tiles}


def _figure_queries(captured) -> list[str]:
    """The statements that read the figures' own rows (clocks), not session or menus."""
    table = SlaClock._meta.db_table
    return [q["sql"] for q in captured.captured_queries if table in q["sql"]]


def test_a_second_view_within_the_ttl_reads_the_cache(client_as, lena, organisation):  # noqa: F811
    client = client_as(lena)
    with CaptureQueriesContext(connection) as first:
        response = client.get(LAST_WEEK)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as second:
        again = client.get(LAST_WEEK)
    assert _values(again) == _values(response)
    assert _values(again)[MEDIAN] == 1800  # Care's hand-built median, in seconds
    assert _figure_queries(first) and not _figure_queries(second)
    assert len(second) <= len(first) // 2, (len(first), len(second))


def test_new_data_shows_after_a_refresh_not_before(
    client_as,
    lena,
    organisation,  # noqa: F811
    care,
    monkeypatch,
):
    monkeypatch.setattr(snapshots, "REFRESH_FLOOR_SECONDS", 0)  # the floor: tested below
    client = client_as(lena)
    assert _values(client.get(LAST_WEEK))[P90] == 5400
    _clock(make_conversation(care, subject="Late", now=DAY), taken=7200, breached=True)
    assert _values(client.get(LAST_WEEK))[P90] == 5400  # cached: at most TTL old
    refreshed = client.get(LAST_WEEK + "&fresh=1")
    assert refreshed.status_code == 200
    assert _values(refreshed)[P90] > 5400  # the slow answer counts now


def test_two_leads_of_different_teams_never_share_figures(
    client_as,
    lena,
    olaf,
    organisation,  # noqa: F811
):
    care_view = _values(client_as(lena).get(LAST_WEEK))
    orders_view = _values(client_as(olaf).get(LAST_WEEK))
    assert care_view[MEDIAN] == 1800 and care_view[P90] == 5400
    assert orders_view[MEDIAN] == 60 and orders_view[P90] == 60  # Orders' one clock
    # and back again: Care's lead still reads Care's entry, not the one cached last
    assert _values(client_as(lena).get(LAST_WEEK))[MEDIAN] == 1800


def test_a_lead_filtering_to_a_person_gets_a_separate_entry(
    client_as,
    lena,
    care,
    organisation,  # noqa: F811
):
    client = client_as(lena)
    whole = _values(client.get(LAST_WEEK))
    alone = _values(client.get(f"{LAST_WEEK}&person={lena.pk}"))  # lena answered nothing
    assert whole[MEDIAN] == 1800 and alone[MEDIAN] != 1800


def test_freshness_is_the_time_of_computation_and_refresh_has_a_floor(lena, organisation):  # noqa: F811
    chosen = filters.parse(
        {"period": "custom", "start": "2026-03-09", "end": "2026-03-15"}, lena, now=T0
    )

    def median_tile(now, fresh=False):
        snap = dashboard.cached_build(lena, chosen, now=now, fresh=fresh)
        tile = next(t for g in snap.value for t in g.tiles if t.figure.key == MEDIAN)
        return snap, tile

    snap, tile = median_tile(T0)
    assert snap.freshness == "as of 2026-03-16 09:05 UTC"
    assert tile.freshness == "as of 2026-03-16 09:05 UTC"
    later = T0 + dt.timedelta(seconds=90)
    snap, tile = median_tile(later)
    assert snap.computed_at == T0 and tile.freshness.endswith("09:05 UTC")  # not relabelled
    snap, _ = median_tile(later, fresh=True)
    assert snap.computed_at == later
    snap, _ = median_tile(later + dt.timedelta(seconds=3), fresh=True)
    assert snap.computed_at == later  # within the refresh floor: served, not recomputed
    assert snapshots.REFRESH_FLOOR_SECONDS > 3


def test_the_page_says_how_fresh_and_offers_a_refresh(client_as, lena, organisation):  # noqa: F811
    body = client_as(lena).get(LAST_WEEK).content.decode()
    assert "Figures as of " in body and "kept for up to 2 minutes" in body
    assert "fresh=1" in body and "Refresh now" in body
    assert "computed live" not in body  # every live tile says when it was computed


def test_api_reports_when_the_figures_were_computed(api, lena, organisation):  # noqa: F811
    client = api(lena)
    url = "/api/insights/dashboard/?period=custom&start=2026-03-09&end=2026-03-15"
    first = client.get(url).json()
    assert first["computed_at"]
    assert client.get(url).json()["computed_at"] == first["computed_at"]
    assert client.get(url + "&fresh=1").status_code == 200


def test_the_minute_job_computes_each_leads_first_view_ahead(
    client_as,
    lena,
    olaf,
    maria,
    organisation,  # noqa: F811
):
    """Opening the dashboard with no filters reads what the job computed a moment ago:
    the clocks are not read on the click. Leads of different teams get their own."""
    from django.utils import timezone

    now = timezone.now()
    assert dashboard.warm_default_views(now=now, budget_s=0) == 1  # out of time: the rest wait
    # Care's lead, Orders' lead, and the managers' all-teams view: two were left.
    assert dashboard.warm_default_views(now=now) == 2
    assert dashboard.warm_default_views(now=now) == 0  # still fresh: left alone
    for person in (lena, olaf, maria):
        with CaptureQueriesContext(connection) as opened:
            response = client_as(person).get("/insights/")
        assert response.status_code == 200
        assert not _figure_queries(opened), person.username
