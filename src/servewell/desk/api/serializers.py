"""Serializers of the desk API: output renders, input checks the shape."""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from servewell.contacts.models import Contact
from servewell.core import contract
from servewell.desk import (
    calls,
    conversations,
    queries,
)
from servewell.desk.calls import DIRECTIONS
from servewell.desk.models import (
    Activity,
    Channel,
    Conversation,
    Macro,
    Message,
    Priority,
    SavedView,
    Status,
)

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
            "cc",
            "bcc",
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
    sign = serializers.BooleanField(
        default=True, help_text="False leaves out the author's signature."
    )
    cc = serializers.ListField(
        child=serializers.CharField(max_length=254),
        required=False,
        default=list,
        help_text="Email conversations only: copied openly.",
    )
    bcc = serializers.ListField(
        child=serializers.CharField(max_length=254),
        required=False,
        default=list,
        help_text="Email conversations only: in the envelope, never shown to the customer.",
    )
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        required=False,
        default=list,
        help_text="multipart/form-data only: up to 10 files, each within the size cap.",
    )


class NoteIn(serializers.Serializer):
    body_text = serializers.CharField(
        max_length=100_000,
        help_text="@username mentions notify people who can see the conversation; anyone "
        "else is refused (400) and nothing is saved.",
    )
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        required=False,
        default=list,
        help_text="multipart/form-data only: up to 10 files, each within the size cap.",
    )


class ForwardIn(serializers.Serializer):
    to = serializers.ListField(child=serializers.CharField(max_length=254), min_length=1)
    note = serializers.CharField(max_length=20_000, required=False, default="", allow_blank=True)


class ForwardOut(serializers.Serializer):
    message = serializers.IntegerField()
    to = serializers.ListField(child=serializers.EmailField())


class MentionableOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class BulkItemIn(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    expected_version = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class BulkIn(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["assign", "status", "priority", "add_tag", "remove_tag", "merge"]
    )
    conversations = BulkItemIn(many=True, help_text="At most 100.")
    value = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=60,
        help_text="assign: a person's id, 'me' or 'none'; status / priority: its value; "
        "add_tag / remove_tag: the tag; merge: the id of one of the selected conversations, "
        "the one the others are merged into.",
    )


class BulkSkippedOut(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()


class BulkOut(serializers.Serializer):
    action = serializers.CharField()
    updated = serializers.ListField(child=serializers.IntegerField())
    unchanged = serializers.ListField(child=serializers.IntegerField())
    skipped = BulkSkippedOut(many=True)
    summary = serializers.CharField()


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
    sign = serializers.BooleanField(
        default=True, help_text="False leaves the author's signature out of the reply."
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
