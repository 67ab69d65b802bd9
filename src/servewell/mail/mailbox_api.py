"""REST API of the IMAP mailboxes: CRUD, a connection test and "fetch now"."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.core.api import Pagination
from servewell.mail import mailboxes
from servewell.mail.access import MAIL_MAILBOXES
from servewell.mail.models import Mailbox

_PASSWORD_ENV_HELP = (
    "Name of the environment variable holding the IMAP password (e.g. CARE_IMAP_PASSWORD). "
    "The password itself is never sent to or stored by the API."
)
_LOCATION_HELP = "Changing host, username or folder resets the UID bookmark."


class MailboxOut(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    password_set = serializers.SerializerMethodField(
        help_text="Whether the password variable is set in the web process's environment."
    )

    class Meta:
        model = Mailbox
        fields = [
            "id",
            "name",
            "team",
            "team_name",
            "host",
            "port",
            "use_ssl",
            "username",
            "password_env",
            "password_set",
            "folder",
            "move_to",
            "is_active",
            "uidvalidity",
            "last_uid",
            "last_polled_at",
            "last_error",
        ]
        read_only_fields = fields

    def get_password_set(self, obj: Mailbox) -> bool:
        return mailboxes.password_is_set(obj)


class MailboxIn(serializers.Serializer):
    """Types only; the rules (unique name, port range, active team, variable name…) are
    the domain's, and come back as 400 ``{field: [message], code}``."""

    name = serializers.CharField(max_length=120)
    team = serializers.IntegerField(help_text="Id of an active team.")
    host = serializers.CharField(max_length=255, help_text=_LOCATION_HELP)
    port = serializers.IntegerField(default=993, help_text="1–65535; 993 with SSL, 143 without.")
    use_ssl = serializers.BooleanField(default=True)
    username = serializers.CharField(max_length=255, help_text=_LOCATION_HELP)
    password_env = serializers.CharField(max_length=100, help_text=_PASSWORD_ENV_HELP)
    folder = serializers.CharField(max_length=255, default="INBOX", help_text=_LOCATION_HELP)
    move_to = serializers.CharField(
        max_length=255,
        default="",
        allow_blank=True,
        help_text="Folder to move processed mail to; empty: mark it seen.",
    )
    is_active = serializers.BooleanField(default=True)


class MailboxPatch(MailboxIn):
    name = serializers.CharField(max_length=120, required=False)
    team = serializers.IntegerField(required=False, help_text="Id of an active team.")
    host = serializers.CharField(max_length=255, required=False, help_text=_LOCATION_HELP)
    port = serializers.IntegerField(required=False, help_text="1–65535.")
    use_ssl = serializers.BooleanField(required=False)
    username = serializers.CharField(max_length=255, required=False, help_text=_LOCATION_HELP)
    password_env = serializers.CharField(
        max_length=100, required=False, help_text=_PASSWORD_ENV_HELP
    )
    folder = serializers.CharField(max_length=255, required=False, help_text=_LOCATION_HELP)
    move_to = serializers.CharField(max_length=255, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ConnectionCheckOut(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField(help_text="What happened, in words for a person.")


class PollOut(serializers.Serializer):
    mailbox = serializers.CharField()
    fetched = serializers.IntegerField()
    states = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="How many fetched emails became each state (new, threaded, duplicate…).",
    )
    error = serializers.CharField(allow_blank=True)
    summary = serializers.CharField()


BAD_INPUT = OpenApiResponse(description="Bad input: {field: [message], code}.")


class MailboxPagination(Pagination):
    ordering = ("name", "id")


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class MailboxViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The IMAP mailboxes the desk polls every minute. ``test`` logs in and opens the
    folder without fetching; ``fetch`` polls now and says what became of the mail."""

    serializer_class = MailboxOut
    access = MAIL_MAILBOXES
    pagination_class = MailboxPagination
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return mailboxes.list_mailboxes()

    def get_object(self) -> Mailbox:
        return mailboxes.get_mailbox(self.kwargs["pk"])

    @extend_schema(request=MailboxIn, responses={201: MailboxOut, 400: BAD_INPUT})
    def create(self, request: Request) -> Response:
        mailbox = mailboxes.create_mailbox(request.user, **_valid(MailboxIn, request.data))
        return Response(MailboxOut(mailbox).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MailboxIn, responses={200: MailboxOut, 400: BAD_INPUT})
    def update(self, request: Request, pk: str) -> Response:
        data = _valid(MailboxIn, request.data)
        mailbox = mailboxes.update_mailbox(request.user, self.get_object(), **data)
        return Response(MailboxOut(mailbox).data)

    @extend_schema(request=MailboxPatch, responses={200: MailboxOut, 400: BAD_INPUT})
    def partial_update(self, request: Request, pk: str) -> Response:
        data = _valid(MailboxPatch, request.data)
        mailbox = mailboxes.update_mailbox(request.user, self.get_object(), **data)
        return Response(MailboxOut(mailbox).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        mailboxes.delete_mailbox(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ConnectionCheckOut})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        check = mailboxes.test_connection(self.get_object())
        return Response(ConnectionCheckOut({"ok": check.ok, "message": check.message}).data)

    @extend_schema(
        request=None,
        responses={
            200: PollOut,
            409: OpenApiResponse(description="The mailbox or its team is switched off."),
        },
    )
    @action(detail=True, methods=["post"])
    def fetch(self, request: Request, pk: str) -> Response:
        result = mailboxes.poll_now(request.user, self.get_object())
        body = {
            "mailbox": result.mailbox,
            "fetched": result.fetched,
            "states": result.states,
            "error": result.error,
            "summary": mailboxes.summary(result),
        }
        return Response(PollOut(body).data)
