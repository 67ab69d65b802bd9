"""The shared doors: one API input validator, one id filter, one HTML pager."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework import serializers

from servewell.core.api import validated
from servewell.core.pages import page_number, paginate
from servewell.people.models import Team
from servewell.people.tests.factories import TeamFactory


class _In(serializers.Serializer):
    n = serializers.IntegerField(min_value=1)

    def validate_n(self, value: int) -> int:
        if value == self.context.get("refuse"):
            raise serializers.ValidationError("Refused.")
        return value


def test_validated_returns_the_clean_values():
    assert validated(_In, {"n": "3"}) == {"n": 3}


def test_validated_raises_the_field_errors_the_api_answers_with_a_400():
    with pytest.raises(serializers.ValidationError) as caught:
        validated(_In, {"n": "abc"})
    assert set(caught.value.detail) == {"n"}


def test_validated_hands_its_keywords_to_the_serializer_as_context():
    with pytest.raises(serializers.ValidationError):
        validated(_In, {"n": 4}, refuse=4)


@pytest.mark.parametrize(
    ("value", "page"),
    [("2", 2), ("abc", 1), ("³", 1), ("-1", 1), ("0", 1), ("1" * 5000, 1), ("1\x00", 1), (None, 1)],
)
def test_a_page_number_from_a_link_is_a_plain_positive_number_or_the_first_page(value, page):
    assert page_number(value) == page


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ["abc", "³", str(2**70), "99", "-1", ""])
def test_paginate_answers_any_page_a_link_asks_for(asked):
    TeamFactory.create_batch(5)
    request = RequestFactory().get("/", {"page": asked})
    page = paginate(request, Team.objects.all(), 2)
    assert 1 <= page.number <= 3
    assert len(page.object_list) >= 1


@pytest.mark.django_db
def test_paginate_orders_an_unordered_list_so_no_row_shows_twice():
    TeamFactory.create_batch(4)
    seen = []
    for number in (1, 2):
        request = RequestFactory().get("/", {"page": number})
        seen += [e.pk for e in paginate(request, Team.objects.order_by(), 2)]
    assert sorted(seen, reverse=True) == seen and len(set(seen)) == 4


def test_api_lists_refuse_a_team_id_that_is_not_one(api, adam):
    client = api(adam)
    for value in ["abc", "1.5", "³", str(2**70), "-1"]:
        for url in ["/api/queue/alarms/", "/api/queue/presence/"]:
            response = client.get(url, {"team": value})
            assert response.status_code == 400, (url, value, response.status_code)
            assert "team" in response.json()


@pytest.mark.django_db
def test_a_required_choice_of_rows_is_read_once_per_rendered_form(django_assert_num_queries):
    """Django's select peeks at the first row of a required choice and then lists them
    all: two queries for one field (three with the length hint). Ours reads once, and
    still refuses a row that is not offered."""
    from django import forms

    from servewell.core.forms import ModelChoiceField

    TeamFactory(name="Care")
    TeamFactory(name="Orders")

    class Pick(forms.Form):
        team = ModelChoiceField(queryset=Team.objects.order_by("name"), empty_label=None)

    with django_assert_num_queries(1):
        html = str(Pick()["team"])
    assert html.index(">Care<") < html.index(">Orders<")
    form = Pick(data={"team": "999999"})
    assert not form.is_valid() and "team" in form.errors
