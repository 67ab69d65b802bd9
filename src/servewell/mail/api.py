"""REST API of the mail pipeline: raw mail in (provider webhooks), the quarantine."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.core.api import Pagination
from servewell.core.fastlane import Arrival, Reply
from servewell.mail import coalesce, intake, quarantine
from servewell.mail.access import MAIL_INBOUND, MAIL_QUARANTINE
from servewell.mail.models import InboundEmail
from servewell.people.tokens import lane_callers

DEFAULT_INBOUND_MAX_BYTES = 50 * 1024 * 1024


def inbound_max_bytes() -> int:
    """``DESK_INBOUND_MAX_BYTES`` (settings); 50 MiB by default — room for a 25 MiB
    attachment after base64."""
    return int(getattr(settings, "DESK_INBOUND_MAX_BYTES", DEFAULT_INBOUND_MAX_BYTES))


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self, limit: int):
        super().__init__(f"The email is larger than the {limit:,}-byte limit.")


class RawEmailParser(BaseParser):
    """The request body, as bytes, read no further than the size limit."""

    media_type = "message/rfc822"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> bytes:
        if stream is None:
            return b""
        limit = inbound_max_bytes()
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(limit)
        return data


class OctetStreamParser(RawEmailParser):
    media_type = "application/octet-stream"


class IngestOut(serializers.Serializer):
    inbound = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=["received", "new", "threaded", "duplicate", "quarantined", "ignored"]
    )
    conversation = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


def _result(result: intake.IngestResult) -> dict[str, Any]:
    return {
        "inbound": result.inbound.pk,
        "state": result.state,
        "conversation": result.conversation_id,
        "reason": result.reason,
    }


class InboundMailView(APIView):
    """Deliver one raw RFC 5322 email (how Mailgun/Postmark-style providers forward
    mail). The bytes are stored before anything else; the answer says what became of it.
    A second delivery of the same email answers "duplicate" and creates nothing. With
    ``Prefer: respond-async`` (or ``?respond=async``) the answer comes once the bytes are
    stored ("received") and the worker files the email moments later."""

    access = MAIL_INBOUND
    parser_classes = [RawEmailParser, OctetStreamParser]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "respond",
                enum=["async"],
                required=False,
                description="async: answer once stored; the worker files it.",
            )
        ],
        request={
            "message/rfc822": OpenApiTypes.BINARY,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        responses={
            202: IngestOut,
            400: OpenApiResponse(description="Empty body."),
            413: OpenApiResponse(description="Larger than DESK_INBOUND_MAX_BYTES."),
        },
    )
    def post(self, request: Request) -> Response:
        limit = inbound_max_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise TooLarge(limit)
        raw = request.data
        if not isinstance(raw, bytes) or not raw.strip():
            return Response(
                {"detail": "Send the raw email as the request body.", "code": "invalid"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        username = request.user.get_username()
        if _respond_async(request):
            result = coalesce.receive(raw, source=f"{intake.EARLY_SOURCE}{username}")
            response = Response(IngestOut(_result(result)).data, status=status.HTTP_202_ACCEPTED)
            response["Preference-Applied"] = "respond-async"
            return response
        result = coalesce.ingest(raw, source=f"http:{username}")
        return Response(IngestOut(_result(result)).data, status=status.HTTP_202_ACCEPTED)


def accept_inbound(arrivals: list[Arrival]) -> list[Reply]:
    """``POST /api/mail/inbound/?respond=async`` on a fast lane (``core.fastlane``): the
    deliveries that arrive together are checked with one token lookup and stored by one
    ``intake.receive_many`` per sender, answered as ``InboundMailView`` answers them
    (202 "received", or "duplicate"), and filed by the worker. A webhook flood then costs
    the web process an insert per round, not Django's whole stack per email."""
    limit = inbound_max_bytes()
    callers = lane_callers(arrivals, MAIL_INBOUND)
    replies: list[Reply | None] = []
    by_sender: dict[str, list[tuple[int, bytes, int]]] = {}
    for number, (arrival, user) in enumerate(zip(arrivals, callers, strict=True)):
        if isinstance(user, Reply):
            replies.append(user)
        elif len(arrival.body) > limit:
            too_large = {"detail": str(TooLarge(limit).detail), "code": "too_large"}
            replies.append(Reply(413, too_large, user=user.pk))
        elif not arrival.body.strip():
            empty = {"detail": "Send the raw email as the request body.", "code": "invalid"}
            replies.append(Reply(400, empty, user=user.pk))
        else:
            replies.append(None)
            by_sender.setdefault(user.get_username(), []).append((number, arrival.body, user.pk))
    for username, sent in by_sender.items():
        source = f"{intake.EARLY_SOURCE}{username}"
        results = intake.receive_many([raw for _, raw, _ in sent], source=source)
        for (number, _, user_id), result in zip(sent, results, strict=True):
            replies[number] = Reply(
                202, _result(result), user=user_id, headers={"Preference-Applied": "respond-async"}
            )
    return cast(list[Reply], replies)  # every None was answered per sender


def _respond_async(request: Request) -> bool:
    """``Prefer: respond-async`` (RFC 7240), or ``?respond=async`` in the webhook address
    for providers that send no headers of one's choosing."""
    preferences = [p.strip().lower() for p in request.headers.get("Prefer", "").split(",")]
    return "respond-async" in preferences or request.query_params.get("respond") == "async"


class InboundOut(serializers.ModelSerializer):
    size = serializers.IntegerField(read_only=True)

    class Meta:
        model = InboundEmail
        fields = [
            "id",
            "state",
            "reason",
            "message_id",
            "source",
            "received_at",
            "processed_at",
            "raw_sha256",
            "size",
        ]


class QuarantineFilter(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=list(quarantine.LISTED_STATES), default=InboundEmail.State.QUARANTINED
    )


class QuarantinePagination(Pagination):
    ordering = ("-received_at", "-id")


class QuarantineViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Inbound mail that was kept but not filed: quarantined (unreadable), ignored
    (bounces, loops, auto-replies), discarded. Retry re-ingests the stored bytes."""

    serializer_class = InboundOut
    access = MAIL_QUARANTINE
    pagination_class = QuarantinePagination

    def get_queryset(self) -> Any:
        if self.action == "list":
            params = QuarantineFilter(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            return quarantine.list_inbound(params.validated_data["state"])
        return InboundEmail.objects.none()  # single rows come through get_object

    def get_object(self) -> InboundEmail:
        return quarantine.get_inbound(self.kwargs["pk"])

    @extend_schema(
        parameters=[OpenApiParameter("state", enum=list(quarantine.LISTED_STATES), required=False)]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={202: IngestOut})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        result = quarantine.retry(pk, actor=request.user, now=timezone.now())
        return Response(IngestOut(_result(result)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: InboundOut})
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: str) -> Response:
        quarantine.discard(pk, actor=request.user, now=timezone.now())
        return Response(InboundOut(quarantine.get_inbound(pk)).data)

    @extend_schema(responses={(200, "message/rfc822"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def raw(self, request: Request, pk: str) -> HttpResponse:
        inbound = self.get_object()
        return raw_response(inbound)


def raw_response(inbound: InboundEmail) -> HttpResponse:
    response = HttpResponse(quarantine.raw_bytes(inbound), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
    return response
