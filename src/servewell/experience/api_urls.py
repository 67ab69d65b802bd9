"""The router of the experience API (mounted at ``api/experience/``)."""

from django.urls import path

from servewell.core.api import ApiRouter
from servewell.experience import api

router = ApiRouter()
router.register("responses", api.ResponseViewSet, basename="api-experience-responses")
router.register("recoveries", api.RecoveryViewSet, basename="api-experience-recoveries")
router.register("pulse/rounds", api.PulseRoundViewSet, basename="api-experience-rounds")
router.register("kudos", api.KudosViewSet, basename="api-experience-kudos")

urlpatterns = [
    path("answers/", api.AnswerView.as_view(), name="api-experience-answer"),
    path("reports/", api.ReportView.as_view(), name="api-experience-report"),
    path("settings/<int:team_id>/", api.SettingsView.as_view(), name="api-experience-settings"),
    *router.urls,
]
