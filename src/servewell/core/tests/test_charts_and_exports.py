"""Charts link each value to its list; CSV exports cannot smuggle spreadsheet formulas."""

from __future__ import annotations

import csv
import io

from servewell.core.charts import Point, bar_chart, line_chart
from servewell.core.exports import csv_response


def test_each_bar_links_to_the_list_behind_it_and_text_is_escaped():
    svg = bar_chart(
        "CSAT <by team>", [Point("Care", 80, "/list?team=1"), Point("Billing", None)], unit="%"
    )
    assert '<a href="/list?team=1">' in svg
    assert "&lt;by team&gt;" in svg and "<by team>" not in svg
    assert "Billing: no data" in svg
    assert "style=" not in svg and "<script" not in svg  # the CSP allows neither


def test_a_line_breaks_where_there_is_no_data():
    svg = line_chart("Trend", [Point("W1", 1), Point("W2", 2), Point("W3", None), Point("W4", 3)])
    assert svg.count("<polyline") == 1  # W1-W2; W4 stands alone as a dot
    assert svg.count("<circle") == 3


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    response = csv_response("report 2026/Q1", ["name", "n"], [["=HYPERLINK(1)", 3], ["Ok", -2]])
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["name", "n"], ["'=HYPERLINK(1)", "3"], ["Ok", "-2"]]
    assert 'filename="report-2026-Q1.csv"' in response["Content-Disposition"]
