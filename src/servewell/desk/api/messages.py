"""Messages: read one, split it off."""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.desk import (
    composer,
    merging,
    queries,
)
from servewell.desk.access import (
    DESK_VIEW,
    DESK_WORK,
    access_message,
)
from servewell.desk.api.helpers import valid
from servewell.desk.api.serializers import (
    ConversationOut,
    ForwardIn,
    ForwardOut,
    MessageOut,
    SplitIn,
)
from servewell.desk.models import (
    Message,
)


class MessageViewSet(viewsets.GenericViewSet):
    serializer_class = MessageOut
    access = DESK_VIEW
    access_by_action = {"split": DESK_WORK, "forward": DESK_WORK}
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
        data = valid(SplitIn, request.data)
        new = merging.split(request.user, message, subject=data["subject"])
        fresh = queries.conversation_with_relations(new)
        return Response(ConversationOut(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ForwardIn,
        responses={202: ForwardOut},
        description="Send a copy of this message, with its attachments, to the addresses in "
        "'to' (recorded in the conversation's history). Internal notes are refused.",
    )
    @action(detail=True, methods=["post"])
    def forward(self, request: Request, pk: str) -> Response:
        message = access_message(request.user, pk)
        data = valid(ForwardIn, request.data)
        sent_to = composer.forward(request.user, message, to=data["to"], note=data["note"])
        return Response({"message": message.pk, "to": sent_to}, status=status.HTTP_202_ACCEPTED)
