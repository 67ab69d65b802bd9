"""REST API of data-subject requests: export a contact's data, erase a contact.

Separate views beside the contacts ViewSet (``/api/contacts/{id}/export/`` and
``…/erase/``), permission ``contacts.privacy`` (admins and managers); the work is in
``privacy.py``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.desk import privacy
from servewell.desk.access import CONTACTS_PRIVACY, access_contact
from servewell.desk.models import Channel, MessageKind, Priority, Status

# --- The export document -----------------------------------------------------------------


class ExportEmailOut(serializers.Serializer):
    address = serializers.CharField()
    primary = serializers.BooleanField()


class ExportMergedOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()


class ExportContactOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organisation = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    emails = ExportEmailOut(many=True)
    phones = serializers.ListField(child=serializers.CharField())
    merged_records = ExportMergedOut(
        many=True, help_text="Records of the same person merged into this contact."
    )


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


class ContactExportOut(serializers.Serializer):
    format = serializers.CharField(help_text=f'"{privacy.EXPORT_FORMAT}"')
    exported_at = serializers.DateTimeField()
    about = serializers.CharField()
    contact = ExportContactOut()
    conversations = ExportConversationOut(many=True)


# --- Erasure -----------------------------------------------------------------------------


class EraseIn(serializers.Serializer):
    confirm = serializers.CharField(
        max_length=254,
        help_text="The contact's primary email address; the word ERASE for a contact without one.",
    )


class EraseOut(serializers.Serializer):
    contact = serializers.IntegerField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="What was erased: conversations, messages, attachments, inbound_emails, …",
    )


_FORBIDDEN = OpenApiResponse(description="Only admins and managers (contacts.privacy).")
_NOT_FOUND = OpenApiResponse(description="No such contact (or it was merged into another).")


class ContactExportView(APIView):
    """Everything held about the contact that is theirs (GDPR access and portability):
    details, addresses, phones, records merged into it, and each conversation with the
    customer's messages, the replies sent to them, calls and attachment details. Internal
    notes and staff names are left out. Audited as ``contact.exported``."""

    access = CONTACTS_PRIVACY

    @extend_schema(
        operation_id="contacts_export",
        responses={200: ContactExportOut, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        contact = access_contact(request.user, pk)
        document = privacy.export_contact(request.user, contact)
        return Response(ContactExportOut(document).data, headers={"Cache-Control": "no-store"})


class ContactEraseView(APIView):
    """Irreversibly anonymise the contact (GDPR erasure): name, addresses, phones, the
    subjects and every message of their conversations, attachments and the original
    emails. Conversation records stay for reports. ``confirm`` must be the contact's
    primary address (ERASE for a contact without one); anything else answers 400 and
    changes nothing."""

    access = CONTACTS_PRIVACY

    @extend_schema(
        operation_id="contacts_erase",
        request=EraseIn,
        responses={
            200: EraseOut,
            400: OpenApiResponse(description="Missing or wrong confirmation."),
            403: _FORBIDDEN,
            404: _NOT_FOUND,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        contact = access_contact(request.user, pk)
        data = EraseIn(data=request.data)
        data.is_valid(raise_exception=True)
        erased = privacy.erase_contact(
            request.user, contact, confirm=data.validated_data["confirm"]
        )
        return Response(EraseOut({"contact": erased.contact_id, "counts": erased.counts}).data)
