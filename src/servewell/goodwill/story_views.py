"""The stories page: record, react, comment; leads feature and offer to the academy."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servewell.core.access import can, requires
from servewell.core.errors import DomainError
from servewell.core.pages import paginate
from servewell.goodwill import stories
from servewell.goodwill.access import STORIES, STORIES_FEATURE
from servewell.goodwill.forms import CommentForm, ReactionForm, StoryForm, put_error
from servewell.goodwill.models import Reaction, Story


def _story(pk: int) -> Story:
    try:
        return stories.get_story(pk)
    except Story.DoesNotExist:
        raise Http404("No such story.") from None


@requires(STORIES)
def story_list(request: HttpRequest) -> HttpResponse:
    form = StoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            story = stories.record_story(
                request.user,
                title=data["title"],
                happened=data["happened"],
                choice=data["choice"],
                outcome=data["outcome"],
                conversation_id=data["conversation"],
                grant_id=data["grant"],
                now=timezone.now(),
            )
            return redirect("goodwill-story", pk=story.pk)
        except DomainError as exc:
            put_error(form, exc)
    featured_only = request.GET.get("featured") == "1"
    page = paginate(request, stories.list_stories(featured=True if featured_only else None), 25)
    return render(
        request,
        "goodwill/stories.html",
        {
            "form": form,
            "featured": stories.list_stories(featured=True)[:5],
            "page": page,
            "featured_only": featured_only,
        },
        status=400 if form.errors else 200,
    )


@requires(STORIES)
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_story(request, _story(pk))


def _render_story(
    request: HttpRequest, story: Story, error: DomainError | None = None
) -> HttpResponse:
    counts = {k: 0 for k in Reaction.Kind.values}
    mine = set()
    for r in story.reactions.all():
        counts[r.kind] += 1
        if r.user_id == request.user.pk:
            mine.add(r.kind)
    return render(
        request,
        "goodwill/story.html",
        {
            "story": story,
            "reactions": [(k, label, counts[k], k in mine) for k, label in Reaction.Kind.choices],
            "comment_form": CommentForm(),
            "may_feature": can(request.user, STORIES_FEATURE),
            "error": error.message if error else "",
        },
        status=error.status if error else 200,
    )


@requires(STORIES)
@require_POST
def story_react(request: HttpRequest, pk: int) -> HttpResponse:
    story = _story(pk)
    form = ReactionForm(request.POST)
    if not form.is_valid():
        return _render_story(request, story, DomainError("invalid", "Choose a reaction."))
    stories.react(request.user, story, kind=form.cleaned_data["kind"], now=timezone.now())
    return redirect("goodwill-story", pk=story.pk)


@requires(STORIES)
@require_POST
def story_comment(request: HttpRequest, pk: int) -> HttpResponse:
    story = _story(pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_story(request, story, DomainError("invalid", "Write something to comment."))
    stories.comment(request.user, story, body=form.cleaned_data["body"], now=timezone.now())
    return redirect("goodwill-story", pk=story.pk)


@requires(STORIES_FEATURE)
@require_POST
def story_feature(request: HttpRequest, pk: int) -> HttpResponse:
    story = _story(pk)
    what = request.POST.get("what", "")
    now = timezone.now()
    try:
        if what == "offer":
            stories.offer_to_academy(request.user, story, now=now)
        elif what in ("feature", "unfeature"):
            stories.feature(request.user, story, featured=what == "feature", now=now)
        else:
            raise DomainError("invalid", "Feature, unfeature or offer.")
    except DomainError as exc:
        return _render_story(request, _story(pk), exc)
    return redirect("goodwill-story", pk=story.pk)
