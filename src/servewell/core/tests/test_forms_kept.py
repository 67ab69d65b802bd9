"""``{% form_fields %}``: the include's HTML, kept only for forms that are the same for
everyone and untouched; a form with the user's input and errors is rendered anew."""

from __future__ import annotations

from django.template import Context, Template

from servewell.core.templatetags import forms_kept
from servewell.desk.forms import CallForm, MergeForm, UpdateForm

INCLUDE = Template('{% include "core/form_fields.html" with form=form %}')


def _include(form) -> str:
    return INCLUDE.render(Context({"form": form}))


def test_an_untouched_form_is_the_includes_html_and_is_kept():
    forms_kept._kept.clear()
    first = forms_kept.form_fields(CallForm(initial={"direction": "inbound"}))
    assert first == _include(CallForm(initial={"direction": "inbound"}))
    assert 'value="inbound" selected' in first
    again = forms_kept.form_fields(CallForm(initial={"direction": "inbound"}))
    assert again is first  # kept, not rendered again
    outbound = forms_kept.form_fields(CallForm(initial={"direction": "outbound"}))
    assert 'value="outbound" selected' in outbound and outbound != first


def test_a_form_with_input_shows_its_own_values_and_errors():
    forms_kept._kept.clear()
    forms_kept.form_fields(MergeForm())
    bound = MergeForm({"target": "<b>abc</b>"})
    assert not bound.is_valid()
    html = forms_kept.form_fields(bound)
    assert html == _include(bound)
    assert "Enter a reference like #1234." in html and "&lt;b&gt;abc&lt;/b&gt;" in html
    assert len(forms_kept._kept) == 1  # the bound one was not kept


def test_a_form_that_differs_per_person_is_never_kept():
    forms_kept._kept.clear()
    form = UpdateForm(
        initial={"status": "open", "priority": "normal"}, assignees=[(7, "Alice <A>")], teams=[]
    )
    assert forms_kept.form_fields(form) == _include(form)
    assert forms_kept._kept == {}


def test_the_conversation_page_still_offers_the_call_and_merge_forms(client_as, alice, care):
    from servewell.desk.tests.factories import make_conversation

    conversation = make_conversation(care)
    html = client_as(alice).get(f"/desk/c/{conversation.pk}/").content.decode()
    assert 'name="duration"' in html and 'name="direction"' in html and 'name="target"' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 4
