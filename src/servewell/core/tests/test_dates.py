"""Dates in every template read exactly as Django's ``date`` filter writes them, in every
time zone a team works in, across the nights the clocks change."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as django_date
from django.utils import timezone

from servewell.core.templatetags.dates import PLAIN, date

ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
#: The formats the templates use, every plain letter, escapes, and formats Django keeps.
FORMATS = [
    "j M Y", "j M Y H:i", "j M", "Y-m-d H:i:s", "Y-m-d H:i", "Y-m-d", "j M H:i", "M Y",
    "F Y", "D H:i", "H:i:s", "D j M Y, H:i", "D j M Y", "D j M Y H:i", r"jS \o\f F Y",
    r"\a\t g:i A", "N j, Y, P", "c", "r", "T", "e", "O", "U", "I", "Z", "DATE_FORMAT",
    "SHORT_DATETIME_FORMAT", *sorted(PLAIN),
]  # fmt: skip


def _moments() -> list[dt.datetime]:
    rng = random.Random(7)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    moments = [start + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400)) for _ in range(60)]
    for change in (
        "2026-03-29T00:30",
        "2026-03-29T01:30",
        "2026-10-25T00:30",
        "2026-10-25T01:30",
        "2026-11-01T05:30",
        "2026-11-01T06:30",
        "2026-04-05T14:45",
        "2026-02-28T23:59",
    ):
        moments.append(dt.datetime.fromisoformat(change).replace(tzinfo=dt.UTC))
    return moments  # fmt: skip


@pytest.mark.parametrize("zone", ZONES)
def test_every_format_reads_as_djangos_date_filter_wrote_it(zone):
    with timezone.override(zone):
        for moment in _moments():
            local = timezone.localtime(moment.replace(microsecond=123456))
            for fmt in FORMATS:
                assert date(local, fmt) == django_date(local, fmt), (fmt, local)


def test_templates_use_it_and_other_values_read_as_before():
    moment = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    with timezone.override("Europe/London"):
        page = Template('{{ d|date:"D j M Y, H:i" }}|{{ day|date:"j M Y" }}|{{ none|date:"j M" }}')
        text = page.render(Context({"d": moment, "day": dt.date(2026, 2, 1), "none": None}))
    assert text == "Sun 25 Oct 2026, 01:30|1 Feb 2026|"
    parser_filters = Template("").engine.template_builtins
    assert [lib.filters["date"] for lib in parser_filters if "date" in lib.filters][-1] is date
    assert date(dt.datetime(2026, 5, 1, 9, 5), "H:i") == "09:05"  # a naive datetime
    assert date("not a date", "j M") == ""
