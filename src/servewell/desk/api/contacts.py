"""Contacts: list, read, change, add a channel, merge, calls."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.contacts import contacts
from servewell.contacts.access import contacts_for
from servewell.contacts.models import Contact
from servewell.core.api import Pagination
from servewell.core.errors import DomainError
from servewell.desk import calls
from servewell.desk import contacts as desk_contacts
from servewell.desk.access import (
    DESK_VIEW,
    DESK_WORK,
    access_contact,
)
from servewell.desk.api.helpers import team_by_id, valid
from servewell.desk.api.serializers import (
    ContactAddIn,
    ContactCallIn,
    ContactOut,
    ContactPatch,
    HistoryItemOut,
    MergeIn,
    MessageOut,
)


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
        history = desk_contacts.contact_history(self.request.user, contact, limit=100)
        return Response(ContactDetailOut(contact, context={"history": history}).data)

    @extend_schema(responses={200: ContactDetailOut})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(access_contact(request.user, pk))

    @extend_schema(request=ContactPatch, responses={200: ContactDetailOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        contact = access_contact(request.user, pk)
        contacts.update_contact(request.user, contact, **valid(ContactPatch, request.data))
        return self._detail(contact)

    @extend_schema(request=ContactAddIn, responses={200: ContactDetailOut})
    @action(detail=True, methods=["post"])
    def add(self, request: Request, pk: str) -> Response:
        """Add an email address or a phone number to the contact."""
        contact = access_contact(request.user, pk)
        data = valid(ContactAddIn, request.data)
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
        data = valid(MergeIn, request.data)
        target = contacts_for(request.user).filter(pk=data["target"]).first()
        if target is None:
            raise DomainError("invalid", "No such contact.", field="target")
        return self._detail(contacts.merge_contacts(request.user, source, target))

    @extend_schema(request=ContactCallIn, responses={201: MessageOut})
    @action(detail=True, methods=["post"])
    def call(self, request: Request, pk: str) -> Response:
        """Log a call with this contact: opens a phone conversation in 'team'."""
        contact = access_contact(request.user, pk)
        data = dict(valid(ContactCallIn, request.data))
        data["team"] = team_by_id(data["team"], user=request.user)
        message = calls.log_call(request.user, contact, **data)
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)
