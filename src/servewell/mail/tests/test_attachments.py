from servewell.mail.intake import ingest
from servewell.mail.tests import samples


def _mail_with_files(settings):
    settings.DESK_ATTACHMENT_MAX_BYTES = 1000
    raw = samples.alternative(
        attachments=[
            ("invoice.pdf", "application/pdf", b"%PDF-1.4 the invoice"),
            ("page.html", "text/html", b"<script>alert(1)</script>"),
            ("video.mov", "video/quicktime", b"v" * 5000),
        ]
    )
    return ingest(raw, source="test").message.attachments.order_by("id")


def test_agent_of_the_team_downloads_an_attachment(client_as, alice, care, settings):
    pdf, html, _video = _mail_with_files(settings)
    response = client_as(alice).get(f"/desk/attachments/{pdf.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the invoice"
    assert 'attachment; filename="invoice.pdf"' in response["Content-Disposition"]
    hostile = client_as(alice).get(f"/desk/attachments/{html.pk}/")
    assert hostile["Content-Type"] == "application/octet-stream"
    assert hostile["Content-Disposition"].startswith("attachment")


def test_a_file_over_the_cap_says_why_it_is_missing(client_as, alice, care, settings):
    _pdf, _html, video = _mail_with_files(settings)
    response = client_as(alice).get(f"/desk/attachments/{video.pk}/")
    assert response.status_code == 410
    assert "limit" in response.content.decode()


def test_other_teams_cannot_download(client_as, bob, care, settings):
    pdf, _html, _video = _mail_with_files(settings)
    assert client_as(bob).get(f"/desk/attachments/{pdf.pk}/").status_code == 404
    assert client_as(bob).get("/desk/attachments/999999/").status_code == 404


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_a_picture_pasted_into_a_mail_is_served_inline_and_safely(client_as, alice, care):
    raw = samples.with_inline_images(
        [("lid@phone", "image/png", PNG), ("evil@x", "image/svg+xml", b"<svg onload=x>")],
        html='<p>See: <img src="cid:lid@phone" alt="the lid"><img src="cid:evil@x"></p>',
    )
    result = ingest(raw, source="test")
    png = result.message.attachments.get(content_id="lid@phone")
    svg = result.message.attachments.get(content_id="evil@x")
    assert 'data-cid="lid@phone"' in result.message.body_html
    client = client_as(alice)
    picture = client.get(f"/desk/attachments/{png.pk}/?inline=1")
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/png"
    assert picture["Content-Disposition"].startswith("inline")
    assert picture["X-Content-Type-Options"] == "nosniff"
    assert b"".join(picture.streaming_content) == PNG
    page = client.get(f"/desk/c/{result.conversation.pk}/").content.decode()
    assert f'src="/desk/attachments/{png.pk}/?inline=1"' in page
    assert f"/desk/attachments/{svg.pk}/?inline=1" not in page  # left out, not shown
    # An SVG may carry script: never inline, always a download of unknown type.
    drawing = client.get(f"/desk/attachments/{svg.pk}/?inline=1")
    assert drawing["Content-Disposition"].startswith("attachment")
    assert drawing["Content-Type"] == "application/octet-stream"


def test_the_conversation_page_links_attachments_to_the_checked_download(
    client_as, client, alice, care, settings
):
    pdf, _html, _video = _mail_with_files(settings)
    page = client_as(alice).get(f"/desk/c/{pdf.message.conversation_id}/")
    html = page.content.decode()
    assert f'href="/desk/attachments/{pdf.pk}/"' in html
    assert "/media/" not in html
    assert client_as(alice).get(f"/desk/attachments/{pdf.pk}/").status_code == 200


def test_stored_files_are_never_served_from_media(client_as, alice, care, settings):
    pdf, _html, _video = _mail_with_files(settings)
    settings.DEBUG = True  # not even in debug
    assert client_as(alice).get(f"/media/{pdf.file.name}").status_code == 404
    from django.test import Client

    anonymous = Client().get(f"/media/{pdf.file.name}")
    assert anonymous.status_code in (302, 404) and not getattr(anonymous, "streaming", False)
