from hypothesis import given, settings
from hypothesis import strategies as st

from servewell.desk.html import fold_html, fold_text, html_to_text, present, sanitise


def test_scripts_styles_and_event_handlers_are_removed():
    cleaned = sanitise(
        '<style>p{color:red}</style><p onclick="steal()" style="position:fixed">Hi</p>'
        '<script>alert(1)</script><a href="javascript:alert(1)">x</a><iframe src="//x"></iframe>'
    )
    assert cleaned == '<p>Hi</p><a rel="noopener noreferrer nofollow">x</a>'


def test_remote_images_are_not_loaded_but_kept_one_step_away():
    cleaned = sanitise('<p><img src="https://tracker.example/p.gif?u=1&amp;c=2" alt="logo"></p>')
    assert " src=" not in cleaned
    assert 'data-remote-src="https://tracker.example/p.gif?u=1&amp;c=2"' in cleaned
    assert 'class="sw-remote-image"' in cleaned


def test_cid_and_relative_images_never_point_anywhere():
    cleaned = sanitise(
        '<img src="cid:part1@x"><img src="/logout/"><img src="data:image/png;base64,xx">'
    )
    assert " src=" not in cleaned
    assert "cid:" not in cleaned


def test_foreign_classes_and_ids_are_dropped_mail_client_markers_kept():
    cleaned = sanitise(
        '<div class="alert gmail_quote" id="main"><div id="divRplyFwdMsg">q</div></div>'
    )
    assert cleaned == '<div class="gmail_quote"><div id="divRplyFwdMsg">q</div></div>'


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_sanitised_output_never_contains_active_content(html):
    cleaned = sanitise(html + "<script>x</script><img src=http://a onerror=alert(1)>")
    assert "<script" not in cleaned.lower()
    assert "onerror" not in cleaned.lower()
    assert ' src="http' not in cleaned


def test_quoted_reply_and_signature_fold_away_in_text():
    body = (
        "Thanks, that worked!\n\nJo\n-- \nJo Doe · ACME Ltd\n\n"
        "On Mon, 4 Mar 2024 at 09:00, Care <care@example.org> wrote:\n> Try restarting it.\n"
    )
    parts = fold_text(body)
    assert parts.visible == "Thanks, that worked!\n\nJo"
    assert parts.folded.startswith("-- \nJo Doe")
    assert "> Try restarting it." in parts.folded


def test_wrapped_gmail_attribution_folds_from_its_first_line():
    body = (
        "Yes please.\n\nOn Mon, Mar 4, 2024 at 9:00 AM Care Team <\n"
        "care@example.org> wrote:\n> Shall we?"
    )
    parts = fold_text(body)
    assert parts.visible == "Yes please."
    assert parts.folded.startswith("On Mon, Mar 4")


def test_outlook_original_message_folds():
    body = "See below.\n\n-----Original Message-----\nFrom: Care\nSent: Monday\nOld text"
    assert fold_text(body).visible == "See below."


def test_inline_answers_stay_visible_only_a_trailing_quote_folds():
    body = "> Which size?\nLarge.\n\n> Which colour?\nBlue.\n\n> Anything else?\n> Thanks\n"
    parts = fold_text(body)
    assert parts.visible == "> Which size?\nLarge.\n\n> Which colour?\nBlue."
    assert parts.folded == "> Anything else?\n> Thanks"


def test_a_body_that_is_all_quote_is_shown_whole():
    assert fold_text("> forwarded words\n> only").folded == ""


def test_a_sentence_that_mentions_writing_does_not_fold():
    body = "My colleague wrote:\nthe order number is wrong."
    assert fold_text(body).folded == ""


def test_gmail_quote_folds_in_html_with_its_attribution():
    html = sanitise(
        '<div dir="ltr">Thanks!</div><br><div class="gmail_quote"><div class="gmail_attr">'
        "On Mon, 4 Mar 2024, Care &lt;care@example.org&gt; wrote:<br></div>"
        '<blockquote class="gmail_quote">Try again</blockquote></div>'
    )
    parts = fold_html(html)
    assert "Thanks!" in parts.visible and "Try again" not in parts.visible
    assert parts.folded.startswith('<div class="gmail_quote">')


def test_apple_mail_attribution_before_blockquote_moves_into_the_fold():
    html = sanitise(
        "<div>Sounds good.</div><div><br><div>On 4 Mar 2024, at 09:00, Care "
        '&lt;care@example.org&gt; wrote:</div><blockquote type="cite">Offer</blockquote></div>'
    )
    parts = fold_html(html)
    assert "wrote" not in parts.visible
    assert "Sounds good." in parts.visible
    assert "wrote" in parts.folded and "Offer" in parts.folded


def test_folding_keeps_both_halves_balanced_html():
    html = sanitise("<div><p>New</p><blockquote><p>Old</p></blockquote><p>after</p></div>")
    parts = fold_html(html)
    assert parts.visible == "<div><p>New</p></div>"
    assert parts.folded.count("<blockquote>") == parts.folded.count("</blockquote>") == 1


def test_present_escapes_text_and_links_urls():
    shown = present("Look at https://example.com/x <b>not bold</b>\n-- \nsig")
    assert '<a href="https://example.com/x" rel="nofollow">' in shown.visible
    assert "&lt;b&gt;" in shown.visible
    assert shown.folded == "-- <br>\nsig"


def test_html_to_text_keeps_line_structure():
    assert html_to_text("<p>One</p><p>Two<br>Three</p><ul><li>a</li><li>b</li></ul>") == (
        "One\nTwo\nThree\na\nb"
    )


def test_the_body_partial_shows_new_words_and_folds_the_rest_behind_a_click():
    from django.template.loader import render_to_string

    body = present("Thanks!\n\nOn Mon, 4 Mar 2024, Care <care@example.org> wrote:\n> Hi <you>")
    html = render_to_string("desk/_body.html", {"body": body})
    visible, folded = html.split("<details", 1)
    assert "Thanks!" in visible and "wrote" not in visible
    assert "Show quoted text" in folded and "&gt; Hi &lt;you&gt;" in folded


def test_a_message_shown_again_is_not_worked_out_again_and_new_text_is():
    from servewell.desk import html as desk_html

    desk_html._kept_present.cache_clear()
    body = "See https://example.com/a\n\nOn Mon, Care wrote:\n> earlier"
    first = present(body, "", {"logo": "/m/1/"})
    again = present(body, "", {"logo": "/m/1/"})
    assert again is first  # kept: the thread shows it on every visit and after each reply
    erased = present("[erased]", "", {"logo": "/m/1/"})
    assert "[erased]" in erased.visible and "example.com" not in erased.visible
    pictured = sanitise('<p><img src="cid:logo"></p>')
    assert "/m/1/" in present("", pictured, {"logo": "/m/1/"}).visible
    assert "/m/2/" in present("", pictured, {"logo": "/m/2/"}).visible  # its own images
    huge = "word " * 20_000  # beyond what is kept: worked out each time, the same text
    assert present(huge).visible == present(huge).visible
    assert present(huge) is not present(huge)
