"""The router of the quality API (mounted at ``api/quality/``)."""

from django.urls import path

from servewell.core.api import ApiRouter
from servewell.quality.api import programme, reports, reviews, scorecards

router = ApiRouter()
router.register("scorecards", scorecards.ScorecardViewSet, basename="api-quality-scorecards")
router.register("versions", scorecards.VersionViewSet, basename="api-quality-versions")
router.register("sections", scorecards.SectionViewSet, basename="api-quality-sections")
router.register("criteria", scorecards.CriterionViewSet, basename="api-quality-criteria")
router.register("reviews", reviews.ReviewViewSet, basename="api-quality-reviews")
router.register("disputes", reviews.DisputeViewSet, basename="api-quality-disputes")
router.register("assignments", reviews.AssignmentViewSet, basename="api-quality-assignments")
router.register("sampling/plans", programme.SamplingPlanViewSet, basename="api-quality-plans")
router.register("sampling/runs", programme.SamplingRunViewSet, basename="api-quality-runs")
router.register("calibration", programme.CalibrationViewSet, basename="api-quality-calibration")
router.register("coaching", programme.CoachingViewSet, basename="api-quality-coaching")

urlpatterns = [
    path("reports/<slug:name>/", reports.ReportView.as_view(), name="api-quality-report"),
    *router.urls,
]
