"""API plumbing shared by every app: integer ids in paths, JSON 404s, out-of-range numbers."""

from __future__ import annotations

import pytest
from django.db import connection


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


def test_a_number_past_64_bits_is_a_400_that_says_so_not_a_500(api, adam, care):
    response = api(adam).get("/api/conversations/", {"team": 2**70})
    if connection.vendor == "sqlite":
        # SQLite cannot bind the number at all (OverflowError): that was a 500.
        assert response.status_code == 400
        assert response.json() == {
            "detail": "A number or date in the request is out of range.",
            "code": "invalid",
        }
    else:  # PostgreSQL compares it as a numeric and finds no team
        assert response.status_code == 200 and response.json()["results"] == []


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
    assert {(path, name) for (path, name), s in ids.items() if s != {"type": "integer"}} == set()
    assert not any("{format}" in path for path in schema["paths"])
