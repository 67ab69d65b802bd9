"""The desk's part of the contact export document in the API schema: the conversations
(``privacy.EXPORTER``, contributed to ``contacts.privacy.EXPORTERS``)."""

from __future__ import annotations

from rest_framework import serializers

from servewell.desk.models import Channel, MessageKind, Priority, Status


class ExportAttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    stored = serializers.BooleanField(help_text="Whether the file itself is kept.")
    note = serializers.CharField(help_text="Why the file is not kept, if it is not.")
    file = serializers.CharField(
        allow_null=True, help_text="Path of the file inside the ZIP export; null in JSON."
    )


class ExportMessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=[MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.CALL]
    )
    sender = serializers.CharField(help_text='"contact", or the name of the team that replied.')
    at = serializers.DateTimeField()
    body_text = serializers.CharField(help_text="Empty for calls (the agent's write-up).")
    body_html = serializers.CharField()
    call_direction = serializers.CharField(help_text="inbound or outbound; empty unless a call.")
    call_seconds = serializers.IntegerField(allow_null=True)
    attachments = ExportAttachmentOut(many=True)


class ExportConversationOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    role = serializers.ChoiceField(
        choices=["contact", "participant"],
        help_text="participant: someone else's conversation the contact wrote in "
        "(only their own messages, no subject).",
    )
    subject = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    team = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    solved_at = serializers.DateTimeField(allow_null=True)
    messages = ExportMessageOut(many=True)
