"""The customer's side: the survey answer page and the unsubscribe link.

Public pages (``PUBLIC``): they show only the question, the conversation's reference
and the customer's own answer, and nothing else of ours. A GET never records — mail
scanners follow links — only the form's POST does."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from servewell.core.access import PUBLIC, requires
from servewell.core.errors import DomainError
from servewell.experience import surveys
from servewell.experience.models import Again, SurveyKind


def _problem(request: HttpRequest, exc: surveys.LinkError) -> HttpResponse:
    return render(
        request, "experience/public_problem.html", {"message": exc.message}, status=exc.status
    )


def _context(survey, score, errors=None, data=None) -> dict:
    existing = getattr(survey, "response", None) if hasattr(survey, "response") else None
    data = data or {}
    return {
        "survey": survey,
        "reference": f"#{survey.conversation_id}" if survey.conversation_id else "",
        "scores": list(surveys.SCORES[survey.kind]),
        "score": score,
        "is_nps": survey.kind == SurveyKind.NPS,
        "again_choices": Again.choices,
        "comment": data.get("comment", existing.comment if existing else ""),
        "would_return": data.get("would_return", existing.would_return if existing else ""),
        "changing": existing is not None,
        "errors": errors or {},
    }


@require_http_methods(["GET", "HEAD"])
@requires(PUBLIC)
def answer_page(request: HttpRequest, token: str, score: str) -> HttpResponse:
    try:
        survey = surveys.survey_for_token(token, now=timezone.now())
    except surveys.LinkError as exc:
        return _problem(request, exc)
    try:
        value = surveys.parse_score(survey.kind, score)
    except DomainError:
        value = None
    return render(request, "experience/answer.html", _context(survey, value))


@require_http_methods(["POST"])
@requires(PUBLIC)
def answer_submit(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    data = {k: request.POST.get(k, "") for k in ("score", "comment", "would_return")}
    try:
        response = surveys.record_answer(token, now=now, **data)
    except surveys.LinkError as exc:
        return _problem(request, exc)
    except DomainError as exc:
        survey = surveys.survey_for_token(token, now=now)
        ctx = _context(survey, None, errors={exc.field or "form": exc.message}, data=data)
        return render(request, "experience/answer.html", ctx, status=400)
    return render(request, "experience/thanks.html", {"response": response})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a token
@require_http_methods(["GET", "HEAD", "POST"])
@requires(PUBLIC)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        return render(request, "experience/unsubscribe.html", {"done": False})
    try:
        surveys.unsubscribe(token, now=timezone.now())
    except surveys.LinkError as exc:
        return _problem(request, exc)
    return render(request, "experience/unsubscribe.html", {"done": True})
