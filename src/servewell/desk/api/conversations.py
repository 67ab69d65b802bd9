"""Conversations: list with filters, create, change, reply, note, merge, split, calls."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.core.errors import DomainError
from servewell.desk import (
    calls,
    composer,
    contacts,
    conversations,
    macros,
    mentions,
    merging,
    queries,
    savedviews,
)
from servewell.desk.access import (
    DESK_VIEW,
    DESK_WORK,
    access_conversation,
)
from servewell.desk.api.helpers import conflict, person_by_id, team_by_id, valid
from servewell.desk.api.serializers import (
    ActivityOut,
    CallIn,
    ConversationDetailOut,
    ConversationIn,
    ConversationOut,
    ConversationPatch,
    MacroApplyIn,
    MentionableOut,
    MergeIn,
    MessageOut,
    NoteIn,
    ReplyIn,
    VersionIn,
)
from servewell.desk.conversations import StaleVersion
from servewell.desk.models import (
    Channel,
    Conversation,
)
from servewell.people.models import User

FILTER_PARAMS = [
    # The views other apps add register in their ready(), before the URLconf imports us.
    OpenApiParameter(
        "view",
        str,
        enum=list(queries.view_labels()),
        description="Default: all. Added views keep their own order (e.g. earliest due first).",
    ),
    OpenApiParameter("status", str, description="A status, or 'open' for the four open ones."),
    OpenApiParameter("team", int),
    OpenApiParameter("assignee", str, description="'me', 'none' or a person's id."),
    OpenApiParameter("tag", str),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("saved", int, description="Use the filters of one of your saved views."),
    OpenApiParameter("cursor", str, description="From the previous page's 'next'."),
    OpenApiParameter("page_size", int, description="1 to 200, default 50."),
]


@extend_schema_serializer(many=False)  # the list action answers one page object, not a list
class ConversationPage(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = ConversationOut(many=True)


class ConversationViewSet(viewsets.GenericViewSet):
    """Conversations of the caller's teams. Lists page by keyset (updated_at, id), newest
    activity first; changes carry ``expected_version`` and a stale one answers 409."""

    serializer_class = ConversationOut
    access = DESK_VIEW
    access_by_action = {
        name: DESK_WORK
        for name in (
            "create",
            "partial_update",
            "reply",
            "note",
            "take",
            "follow",
            "unfollow",
            "merge",
            "call",
            "apply_macro",
            "mentionable",
        )
    }
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return Conversation.objects.none()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StaleVersion):
            return conflict(exc)
        return super().handle_exception(exc)

    def _get(self, pk: Any) -> Conversation:
        return access_conversation(self.request.user, pk)

    def _out(self, conversation: Conversation, code: int = 200) -> Response:
        fresh = queries.conversation_with_relations(conversation)
        return Response(ConversationOut(fresh).data, status=code)

    @extend_schema(parameters=FILTER_PARAMS, responses={200: ConversationPage})
    def list(self, request: Request) -> Response:
        params = request.query_params
        data: Any = {"view": "all", **{k: params.get(k) for k in params}}
        if params.get("saved"):
            data = savedviews.get_view(request.user, params["saved"]).filters
        filters = queries.InboxFilters.parse(data)
        try:
            size = int(params.get("page_size", 50))
        except ValueError:
            raise DomainError("invalid", "page_size is a number.", field="page_size") from None
        if not 1 <= size <= queries.MAX_PAGE_SIZE:
            raise DomainError("invalid", "page_size is 1 to 200.", field="page_size")
        page = queries.inbox_page(
            request.user, filters, cursor=params.get("cursor") or None, size=size
        )
        next_url = None
        if page.next_cursor:
            query = params.copy()
            query["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        rows = queries.annotate_rows(page.rows)
        return Response({"next": next_url, "results": ConversationOut(rows, many=True).data})

    @extend_schema(request=ConversationIn, responses={201: ConversationDetailOut})
    def create(self, request: Request) -> Response:
        data = valid(ConversationIn, request.data)
        team = team_by_id(data["team"], user=request.user)
        who = data["contact"]
        contact = contacts.contact_for_person(
            request.user,
            email=who.get("email", ""),
            phone=who.get("phone", ""),
            name=who.get("name", ""),
        )
        conversation, _message = conversations.open_conversation(
            team=team,
            contact=contact,
            subject=data["subject"],
            channel=data["channel"],
            now=timezone.now(),
            body_text=data["body_text"],
            priority=data["priority"],
            tags=data["tags"],
            actor=request.user,
        )
        fresh = queries.conversation_with_relations(conversation)
        return Response(ConversationDetailOut(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ConversationDetailOut})
    def retrieve(self, request: Request, pk: str) -> Response:
        fresh = queries.conversation_with_relations(self._get(pk))
        return Response(ConversationDetailOut(fresh).data)

    @extend_schema(
        request=ConversationPatch,
        responses={200: ConversationOut, 409: OpenApiTypes.OBJECT},
        description="Change status, priority, team, assignee (null: unassign) or tags. "
        "409 when expected_version is stale, with 'current' (the conversation now) and "
        "'changes' (what others did since).",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        conversation = self._get(pk)
        data = dict(valid(ConversationPatch, request.data))
        changes: dict[str, Any] = {k: data[k] for k in ("status", "priority", "tags") if k in data}
        if "team" in data:
            changes["team"] = team_by_id(data["team"])
        if "assignee" in data:
            changes["assignee"] = person_by_id(data["assignee"]) if data["assignee"] else None
        conversation = conversations.update_conversation(
            request.user, conversation, expected_version=data["expected_version"], **changes
        )
        return self._out(conversation)

    @extend_schema(
        request={"application/json": ReplyIn, "multipart/form-data": ReplyIn},
        responses={201: MessageOut, 409: OpenApiTypes.OBJECT},
        description="A public reply. Attachments need multipart/form-data (repeat the "
        "'attachments' part per file; the cap is DESK_ATTACHMENT_MAX_BYTES, 10 files). "
        "CC and BCC only on email and web-form conversations; BCC stays in the envelope. "
        "A refused file or address (400) saves nothing.",
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str) -> Response:
        conversation = self._get(pk)
        data = valid(ReplyIn, request.data)
        message = composer.reply(
            request.user,
            conversation,
            body_text=data["body_text"],
            expected_version=data["expected_version"],
            status=data.get("status") or None,
            sign=data["sign"],
            cc=data["cc"],
            bcc=data["bcc"],
            attachments=composer.read_uploads(data["attachments"]),
        )
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"application/json": NoteIn, "multipart/form-data": NoteIn},
        responses={201: MessageOut},
        description="An internal note; '@username' mentions notify those people.",
    )
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: str) -> Response:
        data = valid(NoteIn, request.data)
        message = composer.add_note(
            request.user,
            self._get(pk),
            body_text=data["body_text"],
            attachments=composer.read_uploads(data["attachments"]),
        )
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Start of a name or username.")],
        responses={200: MentionableOut(many=True)},
        description="People who can see this conversation: who a note may @mention.",
    )
    @action(detail=True, methods=["get"])
    def mentionable(self, request: Request, pk: str) -> Response:
        people = mentions.suggest(self._get(pk), request.query_params.get("q", ""))
        rows = [{"id": p.pk, "username": p.username, "name": str(p)} for p in people]
        return Response(MentionableOut(rows, many=True).data)

    @extend_schema(request=VersionIn, responses={200: ConversationOut, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        data = valid(VersionIn, request.data)
        conversation = conversations.take(
            request.user, self._get(pk), expected_version=data["expected_version"]
        )
        return self._out(conversation)

    @extend_schema(request=None, responses={200: ConversationDetailOut})
    @action(detail=True, methods=["post"])
    def follow(self, request: Request, pk: str) -> Response:
        conversation = self._get(pk)
        conversations.follow(request.user, conversation)
        return Response(
            ConversationDetailOut(queries.conversation_with_relations(conversation)).data
        )

    @extend_schema(request=None, responses={200: ConversationDetailOut})
    @action(detail=True, methods=["post"])
    def unfollow(self, request: Request, pk: str) -> Response:
        conversation = self._get(pk)
        conversations.unfollow(request.user, conversation)
        return Response(
            ConversationDetailOut(queries.conversation_with_relations(conversation)).data
        )

    @extend_schema(
        request=MergeIn,
        responses={200: ConversationOut},
        description="Merge this conversation into 'target'; answers the target.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        source = self._get(pk)
        data = valid(MergeIn, request.data)
        target = conversations_target(request.user, data["target"])
        return self._out(merging.merge(request.user, source, target))

    @extend_schema(request=CallIn, responses={201: MessageOut})
    @action(detail=True, methods=["post"])
    def call(self, request: Request, pk: str) -> Response:
        data = valid(CallIn, request.data)
        message = calls.log_call(request.user, self._get(pk), **data)
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MacroApplyIn, responses={200: ConversationOut, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="apply-macro")
    def apply_macro(self, request: Request, pk: str) -> Response:
        conversation = self._get(pk)
        data = valid(MacroApplyIn, request.data)
        macro = macros.macros_for(request.user, conversation.team).filter(pk=data["macro"]).first()
        if macro is None:
            raise DomainError("invalid", "No such macro for this team.", field="macro")
        macros.apply_macro(
            request.user,
            conversation,
            macro,
            expected_version=data["expected_version"],
            body_text=data["body_text"],
            sign=data["sign"],
        )
        return self._out(conversation)

    @extend_schema(responses={200: ActivityOut(many=True)})
    @action(detail=True, methods=["get"])
    def activity(self, request: Request, pk: str) -> Response:
        rows = queries.conversation_activity(self._get(pk), limit=500)
        return Response(ActivityOut(rows, many=True).data)


def conversations_target(user: User, pk: Any) -> Conversation:
    """A merge target the user may see; out of scope reads as 'no such conversation'."""
    try:
        return access_conversation(user, pk)
    except Http404:
        raise DomainError("invalid", "No such conversation.", field="target") from None
