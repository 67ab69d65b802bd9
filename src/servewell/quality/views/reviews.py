"""Reviewing: start a review of a conversation, answer it beside the conversation, read
it, dispute it, resolve a dispute; the reviewer's queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import requires
from servewell.core.errors import DomainError
from servewell.desk.models import Conversation
from servewell.quality import disputes, handlers, queries, reviews
from servewell.quality.access import QUALITY_REVIEW, QUALITY_VIEW, access_review
from servewell.quality.forms import (
    AnswersForm,
    DisputeForm,
    ResolveForm,
    StartReviewForm,
    initial_answers,
    put_error,
)
from servewell.quality.models import Dispute, Review, ReviewAssignment


def _conversation(request: HttpRequest, pk: int):
    try:
        return reviews.conversations_for(request.user).select_related("team").get(pk=pk)
    except Conversation.DoesNotExist:
        raise Http404("No such conversation.") from None


@requires(QUALITY_VIEW)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a scorecard and start reviewing conversation ``pk`` (a self-review when the
    conversation is one's own)."""
    conversation = _conversation(request, pk)
    form = StartReviewForm(request.POST or None)
    handler = handlers.handler_of(conversation)
    if request.method == "POST" and form.is_valid():
        try:
            review = reviews.start_review(
                request.user,
                conversation,
                version=form.cleaned_data["version"],
                now=timezone.now(),
            )
            return redirect("quality-review", pk=review.pk)
        except DomainError as exc:
            put_error(form, exc)
    return render(
        request,
        "quality/review_start.html",
        {"conversation": conversation, "handler": handler, "form": form},
        status=400 if form.errors else 200,
    )


@requires(QUALITY_VIEW)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_review(request.user, pk)
    editing = item.state == Review.State.DRAFT and item.reviewer_id == request.user.pk
    context = {
        "review": item,
        "messages_list": queries.conversation_messages(item.conversation_id),
        "editing": editing,
    }
    if editing:
        return _edit(request, item, context)
    history = list(item.disputes.prefetch_related("events__actor").order_by("opened_at"))
    open_dispute = next((d for d in history if d.state == Dispute.State.OPEN), None)
    context |= {
        "answers": queries.answers_of(item),
        "disputes": history,
        "open_dispute": open_dispute,
        "dispute_form": DisputeForm()
        if item.counts and item.reviewee_id == request.user.pk and open_dispute is None
        else None,
    }
    return render(request, "quality/review.html", context)


def _edit(request: HttpRequest, item: Review, context: dict) -> HttpResponse:
    criteria = queries.criteria_of(item.version)
    initial = initial_answers(reviews.current_answers(item)) | {"comment": item.comment}
    form = AnswersForm(criteria, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data = {"answers": form.answers(), "comment": form.cleaned_data["comment"]}
            if "submit" in request.POST:
                reviews.submit_review(request.user, item, now=timezone.now(), **data)
                messages.success(request, "Review submitted; the person has been told.")
                return redirect("quality-review", pk=item.pk)
            reviews.save_answers(request.user, item, **data)
            messages.info(request, "Draft saved.")
            return redirect("quality-review", pk=item.pk)
        except DomainError as exc:
            put_error(form, exc)
    context["form"] = form
    return render(request, "quality/review.html", context, status=400 if form.errors else 200)


@requires(QUALITY_VIEW)
@require_POST
def open_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_review(request.user, pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            dispute = disputes.open_dispute(
                request.user, item, reason=form.cleaned_data["reason"], now=timezone.now()
            )
            messages.success(request, "Your dispute was sent to your lead.")
            return redirect("quality-dispute", pk=dispute.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Say why you disagree.")
    return redirect("quality-review", pk=item.pk)


@requires(QUALITY_VIEW)
def dispute_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    qs = disputes.disputes_for(request.user).select_related("review__conversation")
    if state in Dispute.State.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "quality/disputes.html",
        {"disputes": qs.order_by("-opened_at")[:100], "state": state, "states": Dispute.State},
    )


@requires(QUALITY_VIEW)
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(disputes.disputes_for(request.user), pk=pk)
    item = dispute.review
    may_resolve = disputes.may_resolve(request.user, dispute)
    criteria = queries.criteria_of(item.version)
    initial = initial_answers(reviews.current_answers(item))
    form = ResolveForm(request.POST or None)
    answers_form = AnswersForm(criteria, request.POST or None, initial=initial, prefix="a")
    if request.method == "POST" and may_resolve and form.is_valid() and answers_form.is_valid():
        changed = _changed(answers_form, initial)
        try:
            disputes.resolve_dispute(
                request.user,
                dispute,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                answers=changed,
                now=timezone.now(),
            )
            messages.success(request, "Dispute resolved; both sides have been told.")
            return redirect("quality-dispute", pk=dispute.pk)
        except DomainError as exc:
            put_error(form, exc)
    return render(
        request,
        "quality/dispute.html",
        {
            "dispute": dispute,
            "review": item,
            "events": dispute.events.select_related("actor"),
            "answers": queries.answers_of(item),
            "form": form if may_resolve else None,
            "answers_form": answers_form if may_resolve else None,
        },
        status=400 if form.errors else 200,
    )


def _changed(form: AnswersForm, initial: dict) -> dict:
    """Only the criteria whose answer or comment the lead changed."""
    changed = {}
    for key, answer in form.answers().items():
        before_value = initial.get(f"c{key}")
        value = "na" if answer["value"] is None else str(answer["value"])
        if value != before_value or answer["comment"] != initial.get(f"c{key}_comment", ""):
            changed[key] = answer
    return changed


@requires(QUALITY_REVIEW)
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "quality/queue.html",
        {"queue": queries.queue_of(request.user), "drafts": queries.drafts_of(request.user)},
    )


@requires(QUALITY_REVIEW)
@require_POST
def start_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(
        ReviewAssignment.objects.select_related("conversation", "reviewee", "version", "review"),
        pk=pk,
        reviewer=request.user,
    )
    if assignment.review_id:
        return redirect("quality-review", pk=assignment.review_id)
    try:
        item = reviews.start_review(
            request.user,
            assignment.conversation,
            version=assignment.version,
            reviewee=assignment.reviewee,
            assignment=assignment,
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("quality-queue")
    return redirect("quality-review", pk=item.pk)
