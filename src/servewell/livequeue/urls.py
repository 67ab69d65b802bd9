from django.urls import include, path

from servewell.core.api import ApiRouter
from servewell.livequeue import api, stream, views

router = ApiRouter()
router.register("calls", api.CallViewSet, basename="api-queue-calls")
router.register("rules", api.AlarmRuleViewSet, basename="api-queue-rules")
router.register("alarms", api.AlarmViewSet, basename="api-queue-alarms")
router.register("presence", api.PresenceViewSet, basename="api-queue-presence")

urlpatterns = [
    path("queue/wallboard/", views.wallboard, name="queue-wallboard"),
    path("queue/stream/", stream.stream, name="queue-stream"),
    path("queue/alarms/", views.alarm_log, name="queue-alarms"),
    path("queue/alarms/<int:pk>/", views.alarm_detail, name="queue-alarm"),
    path("queue/alarms/<int:pk>/respond/", views.alarm_respond, name="queue-alarm-respond"),
    path("queue/presence/", views.presence_board, name="queue-presence"),
    path("queue/metrics/", views.metrics_view, name="queue-metrics"),
    path("queue/rules/", views.rule_list, name="queue-rules"),
    path("queue/rules/team/<int:team_id>/new/", views.rule_create, name="queue-rule-create"),
    path("queue/rules/<int:pk>/", views.rule_edit, name="queue-rule-edit"),
    path("queue/rules/team/<int:team_id>/settings/", views.queue_settings, name="queue-settings"),
    path("api/queue/events/", api.QueueEventView.as_view(), name="api-queue-events"),
    path(
        "api/queue/events/batch/",
        api.QueueEventBatchView.as_view(),
        name="api-queue-events-batch",
    ),
    path("api/queue/snapshot/", api.SnapshotView.as_view(), name="api-queue-snapshot"),
    path("api/queue/metrics/", api.MetricsView.as_view(), name="api-queue-metrics"),
    path(
        "api/queue/settings/<int:team_id>/",
        api.QueueSettingsView.as_view(),
        name="api-queue-settings",
    ),
    path("api/queue/", include(router.urls)),
]


# The all-hands banner listens on every signed-in page.
