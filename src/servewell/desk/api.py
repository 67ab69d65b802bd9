"""REST API of the desk: conversations, messages, contacts, macros, saved views, search.

Input serializers check the shape, the domain modules check the meaning (DomainError →
400 with the field), output serializers render. A change made on a stale version answers
409 with what changed and the conversation as it is now.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.core import contract
from servewell.core.api import Pagination
from servewell.core.errors import DomainError
from servewell.desk import (
    calls,
    contacts,
    conversations,
    macros,
    merging,
    queries,
    savedviews,
    search,
)
from servewell.desk.access import (
    DESK_ADMIN,
    DESK_VIEW,
    DESK_WORK,
    access_contact,
    access_conversation,
    access_message,
    contacts_for,
)
from servewell.desk.calls import DIRECTIONS
from servewell.desk.conversations import StaleVersion
from servewell.desk.models import (
    Activity,
    Channel,
    Contact,
    Conversation,
    Macro,
    Message,
    Priority,
    SavedView,
    Status,
)
from servewell.people.access import visible_teams
from servewell.people.models import Team, User

# --- Output ------------------------------------------------------------------------------


class ConversationOut(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "reference",
            "subject",
            "channel",
            "status",
            "priority",
            "is_open",
            "team",
            "team_name",
            "assignee",
            "assignee_name",
            "contact",
            "contact_name",
            "tags",
            "version",
            "created_at",
            "updated_at",
            "last_customer_message_at",
            "first_response_at",
            "solved_at",
            "merged_into",
        ]

    def get_assignee_name(self, obj: Conversation) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None

    def get_fields(self) -> dict[str, serializers.Field]:
        """The desk's fields, then what other apps show on a row (their contracts'
        ``row_fields``), each with its own serializer so the schema documents it."""
        fields = super().get_fields()
        for row_field in contract.row_fields():
            field = row_field.serializer()
            field.source = f"extras.{row_field.name}"
            field.read_only = True
            fields[row_field.name] = field
        return fields

    def get_tags(self, obj: Conversation) -> list[str]:
        names = getattr(obj, "tag_names", None)  # inbox rows carry them (queries.inbox_rows)
        return list(names) if names is not None else sorted(t.name for t in obj.tags.all())


class AttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    rejected_reason = serializers.CharField()


class MessageOut(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    attachments = AttachmentOut(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation",
            "kind",
            "author",
            "author_name",
            "contact",
            "body_text",
            "body_html",
            "created_at",
            "delivery_status",
            "call_seconds",
            "call_direction",
            "attachments",
        ]

    def get_author_name(self, obj: Message) -> str | None:
        return str(obj.author) if obj.author_id else None


class ConversationDetailOut(ConversationOut):
    messages = serializers.SerializerMethodField()
    followers = serializers.SerializerMethodField()

    class Meta(ConversationOut.Meta):
        fields = [*ConversationOut.Meta.fields, "followers", "messages"]

    @extend_schema_field(MessageOut(many=True))
    def get_messages(self, obj: Conversation) -> list[dict]:
        return MessageOut(queries.conversation_messages(obj), many=True).data

    def get_followers(self, obj: Conversation) -> list[int]:
        return [u.pk for u in obj.followers.all()]


class ActivityOut(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "verb", "actor", "actor_name", "data", "at", "text"]

    def get_text(self, obj: Activity) -> str:
        return conversations.describe(obj)

    def get_actor_name(self, obj: Activity) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class ContactOut(serializers.ModelSerializer):
    emails = serializers.SerializerMethodField()
    phones = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "name", "organisation", "notes", "emails", "phones", "created_at"]

    def get_emails(self, obj: Contact) -> list[str]:
        return [e.address for e in obj.emails.all()]

    def get_phones(self, obj: Contact) -> list[str]:
        return [p.number for p in obj.phones.all()]


class HistoryItemOut(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "reference",
            "subject",
            "channel",
            "status",
            "team",
            "team_name",
            "created_at",
            "updated_at",
            "solved_at",
        ]


class MacroOut(serializers.ModelSerializer):
    class Meta:
        model = Macro
        fields = ["id", "name", "body", "team", "set_status", "add_tags"]


class SavedViewOut(serializers.ModelSerializer):
    class Meta:
        model = SavedView
        fields = ["id", "name", "filters"]


class HitOut(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="HTML: escaped text with <mark> around matches.")
    snippet = serializers.CharField(help_text="HTML: escaped text with <mark> around matches.")
    score = serializers.FloatField()
    status = serializers.CharField()
    channel = serializers.CharField()
    team = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField()


# --- Input -------------------------------------------------------------------------------


class ContactIn(serializers.Serializer):
    email = serializers.EmailField(required=False)
    phone = serializers.CharField(required=False, max_length=40)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate(self, data: dict) -> dict:
        if not data.get("email") and not data.get("phone"):
            raise serializers.ValidationError({"email": ["Give an email address or a phone."]})
        return data


class ConversationIn(serializers.Serializer):
    team = serializers.IntegerField()
    subject = serializers.CharField(max_length=300)
    body_text = serializers.CharField(max_length=100_000)
    channel = serializers.ChoiceField(
        choices=[Channel.API, Channel.CHAT, Channel.PHONE, Channel.WEB], default=Channel.API
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=30
    )
    contact = ContactIn()


class ConversationPatch(serializers.Serializer):
    expected_version = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    team = serializers.IntegerField(required=False)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=30
    )


class ReplyIn(serializers.Serializer):
    body_text = serializers.CharField(max_length=100_000)
    expected_version = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_null=True)


class NoteIn(serializers.Serializer):
    body_text = serializers.CharField(max_length=100_000)


class VersionIn(serializers.Serializer):
    expected_version = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None
    )


class MergeIn(serializers.Serializer):
    target = serializers.IntegerField(min_value=1)


class SplitIn(serializers.Serializer):
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CallIn(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=0, max_value=calls.MAX_CALL_SECONDS)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20_000, default="")
    direction = serializers.ChoiceField(choices=DIRECTIONS, default="inbound")


class ContactCallIn(CallIn):
    team = serializers.IntegerField()
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class MacroApplyIn(serializers.Serializer):
    macro = serializers.IntegerField()
    expected_version = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None
    )
    body_text = serializers.CharField(
        max_length=100_000, required=False, allow_null=True, default=None
    )


class ContactPatch(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=20_000, required=False, allow_blank=True)


class ContactAddIn(serializers.Serializer):
    email = serializers.EmailField(required=False)
    phone = serializers.CharField(required=False, max_length=40)

    def validate(self, data: dict) -> dict:
        if bool(data.get("email")) == bool(data.get("phone")):
            raise serializers.ValidationError({"email": ["Give either an email or a phone."]})
        return data


class MacroIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)
    team = serializers.IntegerField(required=False, allow_null=True, default=None)
    set_status = serializers.ChoiceField(
        choices=Status.choices, required=False, allow_blank=True, default=""
    )
    add_tags = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class MacroPatch(MacroIn):
    name = serializers.CharField(max_length=120, required=False)
    body = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    team = serializers.IntegerField(required=False, allow_null=True)
    set_status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    add_tags = serializers.CharField(required=False, allow_blank=True, max_length=300)


class SavedViewIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    filters = serializers.DictField(child=serializers.CharField(allow_blank=True))


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _team(team_id: Any, field: str = "team", *, user: User | None = None) -> Team:
    teams = visible_teams(user) if user is not None else Team.objects.all()
    team = teams.filter(pk=team_id, is_active=True).first()
    if team is None:
        raise DomainError("invalid", "No such active team.", field=field)
    return team


def _person(person_id: Any) -> User:
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise DomainError("invalid", "No such person.", field="assignee")
    return person


def _conflict(exc: StaleVersion) -> Response:
    body = exc.as_dict()
    body["current"] = ConversationOut(queries.conversation_with_relations(exc.conversation)).data
    return Response(body, status=status.HTTP_409_CONFLICT)


# --- Conversations -----------------------------------------------------------------------

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
        )
    }
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return Conversation.objects.none()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StaleVersion):
            return _conflict(exc)
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
        data = _valid(ConversationIn, request.data)
        team = _team(data["team"], user=request.user)
        who = data["contact"]
        if who.get("email"):
            contact = contacts.contact_for_email(who["email"], who.get("name", ""))
        else:
            contact = contacts.contact_for_phone(who["phone"], who.get("name", ""))
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
        data = dict(_valid(ConversationPatch, request.data))
        changes: dict[str, Any] = {k: data[k] for k in ("status", "priority", "tags") if k in data}
        if "team" in data:
            changes["team"] = _team(data["team"])
        if "assignee" in data:
            changes["assignee"] = _person(data["assignee"]) if data["assignee"] else None
        conversation = conversations.update_conversation(
            request.user, conversation, expected_version=data["expected_version"], **changes
        )
        return self._out(conversation)

    @extend_schema(request=ReplyIn, responses={201: MessageOut, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str) -> Response:
        conversation = self._get(pk)
        data = _valid(ReplyIn, request.data)
        message = conversations.reply(
            request.user,
            conversation,
            body_text=data["body_text"],
            expected_version=data["expected_version"],
            status=data.get("status") or None,
        )
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoteIn, responses={201: MessageOut})
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: str) -> Response:
        data = _valid(NoteIn, request.data)
        message = conversations.add_note(request.user, self._get(pk), body_text=data["body_text"])
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VersionIn, responses={200: ConversationOut, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        data = _valid(VersionIn, request.data)
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
        data = _valid(MergeIn, request.data)
        target = conversations_target(request.user, data["target"])
        return self._out(merging.merge(request.user, source, target))

    @extend_schema(request=CallIn, responses={201: MessageOut})
    @action(detail=True, methods=["post"])
    def call(self, request: Request, pk: str) -> Response:
        data = _valid(CallIn, request.data)
        message = calls.log_call(request.user, self._get(pk), **data)
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MacroApplyIn, responses={200: ConversationOut, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="apply-macro")
    def apply_macro(self, request: Request, pk: str) -> Response:
        conversation = self._get(pk)
        data = _valid(MacroApplyIn, request.data)
        macro = macros.macros_for(request.user, conversation.team).filter(pk=data["macro"]).first()
        if macro is None:
            raise DomainError("invalid", "No such macro for this team.", field="macro")
        macros.apply_macro(
            request.user,
            conversation,
            macro,
            expected_version=data["expected_version"],
            body_text=data["body_text"],
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


# --- Messages ----------------------------------------------------------------------------


class MessageViewSet(viewsets.GenericViewSet):
    serializer_class = MessageOut
    access = DESK_VIEW
    access_by_action = {"split": DESK_WORK}
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return Message.objects.none()

    @extend_schema(responses={200: MessageOut})
    def retrieve(self, request: Request, pk: str) -> Response:
        message = access_message(request.user, pk)
        return Response(MessageOut(message).data)

    @extend_schema(request=SplitIn, responses={201: ConversationOut})
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str) -> Response:
        message = access_message(request.user, pk)
        data = _valid(SplitIn, request.data)
        new = merging.split(request.user, message, subject=data["subject"])
        fresh = queries.conversation_with_relations(new)
        return Response(ConversationOut(fresh).data, status=status.HTTP_201_CREATED)


# --- Contacts ----------------------------------------------------------------------------


class ContactDetailOut(ContactOut):
    history = serializers.SerializerMethodField()
    hidden_conversations = serializers.SerializerMethodField()

    class Meta(ContactOut.Meta):
        fields = [*ContactOut.Meta.fields, "history", "hidden_conversations"]

    @extend_schema_field(HistoryItemOut(many=True))
    def get_history(self, obj: Contact) -> list[dict]:
        return HistoryItemOut(self.context["history"].conversations, many=True).data

    def get_hidden_conversations(self, obj: Contact) -> int:
        return self.context["history"].hidden


class ContactViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """Contacts who wrote to the caller's teams (everyone's, for org-wide roles)."""

    serializer_class = ContactOut
    access = DESK_VIEW
    access_by_action = {
        "partial_update": DESK_WORK,
        "merge": DESK_WORK,
        "call": DESK_WORK,
        "add": DESK_WORK,
    }
    pagination_class = Pagination
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("email", str, description="Exact address."),
            OpenApiParameter("phone", str, description="A phone number, any format."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Contact.objects.none()
        qs = contacts_for(self.request.user).prefetch_related("emails", "phones")
        params = self.request.query_params
        if params.get("email"):
            qs = qs.filter(emails__address=contacts.normalise_email(params["email"]))
        if params.get("phone"):
            qs = qs.filter(phones__number=contacts.normalise_phone(params["phone"]))
        return qs

    def _detail(self, contact: Contact) -> Response:
        contact = Contact.objects.prefetch_related("emails", "phones").get(pk=contact.pk)
        history = contacts.contact_history(self.request.user, contact, limit=100)
        return Response(ContactDetailOut(contact, context={"history": history}).data)

    @extend_schema(responses={200: ContactDetailOut})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(access_contact(request.user, pk))

    @extend_schema(request=ContactPatch, responses={200: ContactDetailOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        contact = access_contact(request.user, pk)
        contacts.update_contact(request.user, contact, **_valid(ContactPatch, request.data))
        return self._detail(contact)

    @extend_schema(request=ContactAddIn, responses={200: ContactDetailOut})
    @action(detail=True, methods=["post"])
    def add(self, request: Request, pk: str) -> Response:
        """Add an email address or a phone number to the contact."""
        contact = access_contact(request.user, pk)
        data = _valid(ContactAddIn, request.data)
        if data.get("email"):
            contacts.add_email(request.user, contact, data["email"])
        else:
            contacts.add_phone(request.user, contact, data["phone"])
        return self._detail(contact)

    @extend_schema(
        request=MergeIn,
        responses={200: ContactDetailOut},
        description="Merge this contact into 'target' (the one that stays).",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        source = access_contact(request.user, pk)
        data = _valid(MergeIn, request.data)
        target = contacts_for(request.user).filter(pk=data["target"]).first()
        if target is None:
            raise DomainError("invalid", "No such contact.", field="target")
        return self._detail(contacts.merge_contacts(request.user, source, target))

    @extend_schema(request=ContactCallIn, responses={201: MessageOut})
    @action(detail=True, methods=["post"])
    def call(self, request: Request, pk: str) -> Response:
        """Log a call with this contact: opens a phone conversation in 'team'."""
        contact = access_contact(request.user, pk)
        data = dict(_valid(ContactCallIn, request.data))
        data["team"] = _team(data["team"], user=request.user)
        message = calls.log_call(request.user, contact, **data)
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)


# --- Macros ------------------------------------------------------------------------------


class MacroViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Canned replies. Agents list and use them; desk admins create, change and delete."""

    serializer_class = MacroOut
    access = DESK_WORK
    access_by_action = {
        "create": DESK_ADMIN,
        "partial_update": DESK_ADMIN,
        "destroy": DESK_ADMIN,
    }
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Macro.objects.none()
        return macros.macros_for(self.request.user).order_by("name", "id")

    def _macro_team(self, team_id: Any) -> Team | None:
        return _team(team_id) if team_id else None

    @extend_schema(request=MacroIn, responses={201: MacroOut})
    def create(self, request: Request) -> Response:
        data = dict(_valid(MacroIn, request.data))
        data["team"] = self._macro_team(data["team"])
        macro = macros.create_macro(request.user, **data)
        return Response(MacroOut(macro).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MacroPatch, responses={200: MacroOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        macro = self.get_object()
        data = dict(_valid(MacroPatch, request.data))
        if "team" in data:
            data["team"] = self._macro_team(data["team"])
        return Response(MacroOut(macros.update_macro(request.user, macro, **data)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        macros.delete_macro(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Saved views -------------------------------------------------------------------------


class SavedViewViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The caller's saved inbox views; use one with ?saved=<id> on the conversation list."""

    serializer_class = SavedViewOut
    access = DESK_VIEW
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedView.objects.none()
        return queries.saved_views(self.request.user)

    @extend_schema(request=SavedViewIn, responses={201: SavedViewOut})
    def create(self, request: Request) -> Response:
        data = _valid(SavedViewIn, request.data)
        view = savedviews.save_view(request.user, name=data["name"], filters=data["filters"])
        return Response(SavedViewOut(view).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        savedviews.delete_view(request.user, self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Search ------------------------------------------------------------------------------


class SearchView(APIView):
    """Full text over subjects, messages and contacts: contacts first (at most five),
    then conversations, each ranked; only within the caller's teams."""

    access = DESK_VIEW

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("limit", int, description="1 to 100, default 20."),
        ],
        responses={
            200: inline_serializer("SearchResults", {"results": HitOut(many=True)}),
        },
    )
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if not q:
            raise DomainError("invalid", "Say what to search for.", field="q")
        if len(q) > 200:
            raise DomainError("invalid", "Keep the search under 200 characters.", field="q")
        try:
            limit = int(request.query_params.get("limit", 20))
        except ValueError:
            raise DomainError("invalid", "limit is a number.", field="limit") from None
        if not 1 <= limit <= 100:
            raise DomainError("invalid", "limit is 1 to 100.", field="limit")
        hits = search.search(request.user, q, limit=limit)
        results = [
            {
                "kind": h.kind,
                "id": h.id,
                "title": str(h.title),
                "snippet": str(h.snippet),
                "score": h.score,
                "status": h.status,
                "channel": h.channel,
                "team": h.team,
                "updated_at": h.updated_at,
                "url": h.url,
            }
            for h in hits
        ]
        return Response({"results": HitOut(results, many=True).data})
