"""The community edition: a printable course book, as HTML and as a PDF.

Only lessons with a community variant are chapters; work-only lessons stay at work. The
PDF is drawn by WeasyPrint from the same template, with the stylesheet handed over as a
string and a URL fetcher that refuses every URL: the book never reaches the network (and
a link in a lesson cannot make the server fetch it).
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from servewell.academy.models import CourseVersion, Lesson
from servewell.academy.rendering import render

BOOK_CSS = "academy/book.css"


def get_chapters(version: CourseVersion) -> list[dict[str, Any]]:
    lessons = version.lessons.filter(community=Lesson.Community.VARIANT).prefetch_related(
        "reflections"
    )
    return [
        {
            "number": n,
            "anchor": f"chapter-{n}",
            "title": lesson.title,
            "html": render(lesson.community_body),
            "reflections": [r.text for r in lesson.reflections.all()],
        }
        for n, lesson in enumerate(lessons, 1)
    ]


def book_context(version: CourseVersion) -> dict[str, Any]:
    return {
        "version": version,
        "title": version.community_title or version.course.title,
        "chapters": get_chapters(version),
    }


def book_html(version: CourseVersion, *, for_pdf: bool = False) -> str:
    return render_to_string("academy/book.html", {**book_context(version), "for_pdf": for_pdf})


def book_pdf(version: CourseVersion) -> bytes:
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetchingError

    class NoNetwork(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise URLFetchingError(f"The course book fetches nothing ({url[:80]}).")

    css_path = finders.find(BOOK_CSS)
    css = open(css_path, encoding="utf-8").read() if css_path else ""  # noqa: SIM115
    fetcher = NoNetwork()
    document = weasyprint.HTML(
        string=book_html(version, for_pdf=True), base_url="about:blank", url_fetcher=fetcher
    )
    return document.write_pdf(stylesheets=[weasyprint.CSS(string=css, url_fetcher=fetcher)])
