"""The community edition: only community lessons, a real PDF, nothing fetched."""

from __future__ import annotations

import io

from pypdf import PdfReader

from servewell.academy import book, courses
from servewell.academy.tests.factories import LESSONS, make_course

THIRD = {
    "title": "Thanking people",
    "body": "Say thank you.",
    "community": "variant",
    "community_body": "Thank the bus driver. ![x](http://example.org/tracker.png)",
}


def test_the_pdf_has_each_community_chapter_and_not_the_work_only_ones(db):
    version = courses.latest_published(make_course(lessons=[*LESSONS, THIRD]))
    pdf = book.book_pdf(version)
    assert pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Chapter 1: Listening first" in text
    assert "Chapter 2: Thanking people" in text
    assert "Owning the next step" not in text  # work-only
    assert "Teach-back guide" in text and "When did someone really listen" in text


def test_the_book_html_has_cover_contents_and_no_remote_images(db):
    version = courses.latest_published(make_course(lessons=[*LESSONS, THIRD]))
    html = book.book_html(version)
    assert "Community edition" in html and "Contents" in html
    assert "<img" not in html and "tracker.png" not in html.split("</head>")[1].split('src="')[0]
