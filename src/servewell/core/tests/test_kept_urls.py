"""Links and static addresses worked out once per process say what Django's own tags
say, follow a change of URL configuration, and fail as Django's do."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse

from servewell.core import links
from servewell.core.staticstorage import KeptManifestStorage


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_url_tag_writes_what_reverse_writes_and_walks_each_name_once():
    links._pattern.cache_clear()
    page = (
        '{% url "desk-conversation" pk %}|{% url "desk-inbox" %}'
        '|{% url "desk-conversation" pk=pk %}|{% url "desk-take" pk %}'
    )
    expected = "{}|/desk/|/desk/c/42/|{}".format(
        reverse("desk-conversation", args=[42]), reverse("desk-take", args=[42])
    )
    assert render(page, pk=42) == expected
    walked = links._pattern.cache_info().misses
    for pk in (43, 0, 10**15):  # conversations never shown before: no walk of the patterns
        assert render(page, pk=pk) == (
            f"/desk/c/{pk}/|/desk/|/desk/c/{pk}/|{reverse('desk-take', args=[pk])}"
        )
    assert links._pattern.cache_info().misses == walked


def test_links_with_text_arguments_are_kept_as_reverse_writes_them():
    assert links.kept_reverse("desk-conversation", ["9"]) == "/desk/c/9/"
    links._reverse.cache_clear()
    assert links.kept_reverse("desk-conversation", ["10"]) == "/desk/c/10/"
    assert links.kept_reverse("desk-conversation", ["10"]) == "/desk/c/10/"
    assert links._reverse.cache_info().hits == 1
    with pytest.raises(NoReverseMatch):  # a negative number does not match <int:pk>
        links.kept_reverse("desk-conversation", [-1])


def test_url_tag_keeps_django_semantics_for_as_var_errors_and_odd_arguments():
    assert render('{% url "desk-conversation" 7 as link %}<a href="{{ link }}">') == (
        '<a href="/desk/c/7/">'
    )
    assert render('{% url "no-such-page" as link %}[{{ link }}]') == "[]"
    with pytest.raises(NoReverseMatch):
        render('{% url "no-such-page" %}')
    with pytest.raises(NoReverseMatch):  # True is not the number 1: never kept as it
        render('{% url "desk-conversation" 1 %}{% url "desk-conversation" flag %}', flag=True)
    assert render('{% url "desk-conversation" "9" %}') == "/desk/c/9/"


def _here(request):  # pragma: no cover - only reversed
    raise AssertionError


urlpatterns = [path("elsewhere/<int:pk>/", _here, name="desk-conversation")]


def test_url_tag_follows_a_change_of_url_configuration():
    assert render('{% url "desk-conversation" 5 %}') == "/desk/c/5/"
    with override_settings(ROOT_URLCONF=__name__):
        assert render('{% url "desk-conversation" 5 %}') == "/elsewhere/5/"
    assert render('{% url "desk-conversation" 5 %}') == "/desk/c/5/"


def test_static_addresses_are_the_manifests_and_read_once(tmp_path):
    (tmp_path / "app.css").write_text("body{}")
    storage = KeptManifestStorage(location=tmp_path, base_url="/static/")
    storage.hashed_files = {"app.css": "app.0123abcd.css"}
    storage.manifest_strict = False
    with override_settings(DEBUG=False):
        assert storage.url("app.css") == "/static/app.0123abcd.css"
        storage.hashed_files = {}  # a second lookup would no longer find the hashed name
        assert storage.url("app.css") == "/static/app.0123abcd.css"
        forced = storage.url("app.css", force=True)  # force hashes the file itself
        assert forced.startswith("/static/app.") and forced != "/static/app.0123abcd.css"
