"""REST API for the platform: audit log, webhooks and their deliveries, failed jobs."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import FilterSet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servewell.core import events, jobs, notifications, webhooks
from servewell.core.access import CorePerm
from servewell.core.api import Pagination, UtcIsoDateTimeFilter
from servewell.core.ids import MAX_ID
from servewell.core.models import (
    AuditEntry,
    FailedJob,
    Notification,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)


class AuditOut(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "before",
            "after",
            "ip_address",
        ]


class AuditViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only audit log, newest first."""

    serializer_class = AuditOut
    access = CorePerm.AUDIT_VIEW
    queryset = AuditEntry.objects.all()
    filterset_fields = ["action", "object_type", "object_id", "actor"]


class WebhookOut(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "name", "url", "events", "is_active", "created_at"]


class WebhookCreated(WebhookOut):
    class Meta(WebhookOut.Meta):
        fields = [*WebhookOut.Meta.fields, "secret"]


class WebhookIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    secret = serializers.CharField(min_length=16, max_length=128, required=False)

    def validate_events(self, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(events.CATALOGUE))
        if unknown:
            raise serializers.ValidationError(f"Unknown events: {', '.join(unknown)}.")
        return value


class WebhookPatch(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    is_active = serializers.BooleanField(required=False)


class DeliveryOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event",
            "status",
            "attempts",
            "response_status",
            "error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]


class DeliveryPagination(Pagination):
    ordering = "-created_at"


class WebhookViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Outgoing webhooks. The secret is returned only when a webhook is created."""

    serializer_class = WebhookOut
    access = CorePerm.WEBHOOKS_MANAGE
    queryset = Webhook.objects.all()

    @extend_schema(request=WebhookIn, responses={201: WebhookCreated})
    def create(self, request: Request) -> Response:
        data = WebhookIn(data=request.data)
        data.is_valid(raise_exception=True)
        hook = webhooks.create_webhook(request.user, **data.validated_data)
        return Response(WebhookCreated(hook).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookPatch, responses={200: WebhookOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        data = WebhookPatch(data=request.data)
        data.is_valid(raise_exception=True)
        hook = webhooks.update_webhook(request.user, self.get_object(), **data.validated_data)
        return Response(WebhookOut(hook).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        webhooks.delete_webhook(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: DeliveryOut(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        hook = self.get_object()
        paginator = DeliveryPagination()
        page = paginator.paginate_queryset(hook.deliveries.all(), request, view=self)
        return paginator.get_paginated_response(DeliveryOut(page, many=True).data)

    @extend_schema(request=None, responses={202: DeliveryOut})
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: str) -> Response:
        delivery = webhooks.send_ping(request.user, self.get_object())
        return Response(DeliveryOut(delivery).data, status=status.HTTP_202_ACCEPTED)


class FailedJobOut(serializers.ModelSerializer):
    class Meta:
        model = FailedJob
        fields = [
            "id",
            "task_name",
            "args",
            "kwargs",
            "error",
            "failed_at",
            "replayed_at",
            "discarded_at",
        ]


class FailedJobViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The dead-letter list: replay puts a job back on the queue, delete discards it."""

    serializer_class = FailedJobOut
    access = CorePerm.JOBS_MANAGE
    queryset = FailedJob.objects.all()
    filterset_fields = ["task_name"]

    @extend_schema(request=None, responses={202: FailedJobOut})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str) -> Response:
        failed = self.get_object()
        if not failed.is_open:
            return Response(
                {"detail": "This job was already replayed or discarded.", "code": "conflict"},
                status=status.HTTP_409_CONFLICT,
            )
        try:
            jobs.replay(failed.pk)
        except jobs.UnknownJob as exc:
            return Response(
                {"detail": str(exc), "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(
            FailedJobOut(get_object_or_404(FailedJob, pk=pk)).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        jobs.discard(self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationOut(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "count", "created_at", "read_at"]


class PreferenceOut(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    channel = serializers.ChoiceField(choices=NotificationPreference.Channel.choices)


class PreferenceIn(serializers.Serializer):
    kind = serializers.CharField(max_length=40)
    channel = serializers.ChoiceField(
        choices=NotificationPreference.Channel.choices,
        help_text="app: in the app only; email: and by email at once; digest: and in a "
        "daily email digest.",
    )

    def validate_kind(self, value: str) -> str:
        if value not in notifications.KINDS:
            raise serializers.ValidationError(f"Choose one of: {', '.join(notifications.KINDS)}.")
        return value


class MarkReadIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text="Only these notifications; all unread ones when left out.",
    )


class MarkReadOut(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are now read.")


class NotificationFilter(FilterSet):
    read_at = UtcIsoDateTimeFilter()

    class Meta:
        model = Notification
        fields = ["read_at"]


class NotificationViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """The caller's notifications, newest first; POST read/ marks them read."""

    serializer_class = NotificationOut
    access = CorePerm.SELF
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user)

    @extend_schema(request=MarkReadIn, responses={200: MarkReadOut})
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        data = MarkReadIn(data=request.data)
        data.is_valid(raise_exception=True)
        count = notifications.mark_read(request.user, data.validated_data.get("ids"))
        return Response({"marked": count})

    @extend_schema(
        methods=["GET"], request=None, responses={200: PreferenceOut(many=True)}, filters=False
    )
    @extend_schema(
        methods=["PUT"],
        request=PreferenceIn(many=True),
        responses={200: PreferenceOut(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["get", "put"], pagination_class=None, filterset_class=None)
    def preferences(self, request: Request) -> Response:
        """How the caller hears of each kind; PUT changes only the kinds it lists."""
        if request.method == "PUT":
            data = PreferenceIn(data=request.data, many=True)
            data.is_valid(raise_exception=True)
            notifications.set_preferences(
                request.user, {row["kind"]: row["channel"] for row in data.validated_data}
            )
        rows = [
            {"kind": kind.key, "label": kind.label, "channel": channel}
            for kind, channel in notifications.get_preferences(request.user)
        ]
        return Response(PreferenceOut(rows, many=True).data)
