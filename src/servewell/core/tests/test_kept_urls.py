"""Links and static addresses worked out once per process say what Django's own tags
say, follow a change of URL configuration, and fail as Django's do."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse

from servewell.core.staticstorage import KeptManifestStorage
from servewell.core.templatetags import kept_urls


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_url_tag_writes_what_reverse_writes_and_keeps_it():
    kept_urls._reverse.cache_clear()
    page = (
        '{% url "desk-conversation" pk %}|{% url "desk-inbox" %}'
        '|{% url "desk-conversation" pk=pk %}'
    )
    assert render(page, pk=42) == f"{reverse('desk-conversation', args=[42])}|/desk/|/desk/c/42/"
    assert render(page, pk=43).startswith("/desk/c/43/|")
    before = kept_urls._reverse.cache_info()
    render(page, pk=42)
    after = kept_urls._reverse.cache_info()
    assert after.hits == before.hits + 3 and after.misses == before.misses


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
