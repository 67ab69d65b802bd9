"""REST API of data-subject requests: export a contact's data, erase a contact.

Separate views beside the desk's contacts ViewSet (``/api/contacts/{id}/export/`` and
``…/erase/``), permission ``contacts.privacy`` (admins and managers); the work is in
``privacy.py``. The export document's sections after ``contact`` are the exporters'
(``privacy.EXPORTERS``), each documented by the serializer it brings.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.contacts import privacy
from servewell.contacts.access import CONTACTS_PRIVACY, access_contact

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


class ExportDocumentOut(serializers.Serializer):
    format = serializers.CharField(help_text=f'"{privacy.EXPORT_FORMAT}"')
    exported_at = serializers.DateTimeField()
    about = serializers.CharField()
    contact = ExportContactOut()


def _document_serializer() -> type[serializers.Serializer]:
    """The document with every exporter's section. Built when the URLs are loaded,
    after every app's ``ready()`` has contributed its exporters."""
    fields = {e.key: e.serializer() for e in privacy.exporters()}
    return type("ContactExportOut", (ExportDocumentOut,), fields)


ContactExportOut = _document_serializer()


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
