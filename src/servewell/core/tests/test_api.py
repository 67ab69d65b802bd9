"""API plumbing shared by every app: integer ids in paths, JSON 404s, out-of-range numbers."""

from __future__ import annotations

import pytest

from servewell.core.api import exception_handler
from servewell.core.ids import parse_id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        # Each of these was a 500: the view handed the text to the ORM (ValueError).
        ("get", "/api/people/abc/"),
        ("patch", "/api/people/abc/"),
        ("get", "/api/teams/abc/"),
        ("delete", "/api/tokens/abc/"),
        ("get", "/api/quality/reviews/abc/"),
        ("get", "/api/quality/scorecards/null,null/"),
        ("get", "/api/queue/rules/null/"),
        ("get", "/api/conversations/1.5/"),
    ],
)
def test_an_id_that_is_not_a_number_is_a_json_404(api, adam, method, path):
    response = getattr(api(adam), method)(path)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No such resource: check the path and its ids.",
        "code": "not_found",
    }


def test_pages_outside_the_api_keep_their_html_404(client_as, adam):
    response = client_as(adam).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_team_id_past_64_bits_is_a_400_that_says_so_not_a_500(api, adam, care):
    # SQLite cannot bind such a number at all (OverflowError): that was a 500.
    response = api(adam).get("/api/conversations/", {"team": 2**70})
    assert response.status_code == 400
    assert response.json()["team"] == ["Team must be a team id."]


def test_any_number_the_database_cannot_hold_is_a_400_not_a_500():
    """The safety net behind every field's own check: an OverflowError comes from a value
    the request carried (SQLite binds 64-bit integers only, dates end in 9999)."""
    response = exception_handler(OverflowError("Python int too large"), {})
    assert response.status_code == 400
    assert response.data == {
        "detail": "A number or date in the request is out of range.",
        "code": "invalid",
    }


def test_a_form_with_more_fields_than_django_allows_is_a_json_400(api, adam):
    # Django's TooManyFieldsSent went past the API's handler to the HTML 400 page.
    body = "&".join(f"present={n}" for n in range(2000))
    response = api(adam).post(
        "/api/tokens/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "fields" in response.json()["detail"]


def test_the_schema_documents_every_path_id_as_an_integer(client, db):
    schema = client.get("/api/schema/?format=json").json()
    ids = {
        (path, parameter["name"]): parameter["schema"]
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] != "name"
    }
    assert ("/api/people/{id}/", "id") in ids
    assert ("/api/teams/{id}/members/{user_id}/", "user_id") in ids
    # A path parameter that names one of a fixed set (a report's dimension) is no id:
    # it is documented as that set, an enum, which a client can check before calling.
    ids = {key: s for key, s in ids.items() if "enum" not in s}
    assert {(path, name) for (path, name), s in ids.items() if s != {"type": "integer"}} == set()
    assert not any("{format}" in path for path in schema["paths"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("0", None),
        ("-3", None),
        ("³", None),
        ("1.5", None),
        (str(2**63), None),
        (str(2**63 - 1), 2**63 - 1),
        ("", None),
        (None, None),
    ],
)
def test_an_id_from_a_link_is_a_positive_64_bit_number_or_nothing(text, expected):
    assert parse_id(text) == expected
