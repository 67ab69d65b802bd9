from django.urls import include, path

from servewell.quality.views import calibration, coaching, home, reports, reviews, sampling
from servewell.quality.views import scorecards as cards

urlpatterns = [
    path("quality/", home.home, name="quality-home"),
    path("quality/people/<int:pk>/", home.person, name="quality-person"),
    path("quality/scorecards/", cards.scorecard_list, name="quality-scorecards"),
    path("quality/scorecards/<int:pk>/", cards.scorecard_detail, name="quality-scorecard"),
    path("quality/scorecards/<int:pk>/draft/", cards.start_draft, name="quality-draft"),
    path("quality/versions/<int:pk>/", cards.version_detail, name="quality-version"),
    path("quality/versions/<int:pk>/sections/", cards.add_section, name="quality-add-section"),
    path("quality/versions/<int:pk>/publish/", cards.publish, name="quality-publish"),
    path("quality/sections/<int:pk>/delete/", cards.remove_section, name="quality-del-section"),
    path("quality/sections/<int:pk>/criteria/", cards.add_criterion, name="quality-add-criterion"),
    path("quality/criteria/<int:pk>/delete/", cards.remove_criterion, name="quality-del-criterion"),
    path("quality/conversations/<int:pk>/review/", reviews.start, name="quality-review-start"),
    path("quality/reviews/<int:pk>/", reviews.review, name="quality-review"),
    path("quality/reviews/<int:pk>/dispute/", reviews.open_dispute, name="quality-dispute-open"),
    path("quality/disputes/", reviews.dispute_list, name="quality-disputes"),
    path("quality/disputes/<int:pk>/", reviews.dispute_detail, name="quality-dispute"),
    path("quality/queue/", reviews.queue, name="quality-queue"),
    path(
        "quality/assignments/<int:pk>/start/",
        reviews.start_assignment,
        name="quality-assignment-start",
    ),
    path("quality/sampling/", sampling.plans, name="quality-sampling"),
    path("quality/sampling/<int:pk>/run/", sampling.run_now, name="quality-sampling-run"),
    path("quality/calibration/", calibration.session_list, name="quality-calibrations"),
    path("quality/calibration/<int:pk>/", calibration.session_detail, name="quality-calibration"),
    path(
        "quality/calibration/<int:pk>/close/", calibration.close, name="quality-calibration-close"
    ),
    path("quality/coaching/", coaching.session_list, name="quality-coaching"),
    path("quality/coaching/<int:pk>/", coaching.session_detail, name="quality-coaching-detail"),
    path(
        "quality/coaching/<int:pk>/acknowledge/",
        coaching.acknowledge,
        name="quality-coaching-ack",
    ),
    path("quality/coaching/<int:pk>/items/", coaching.add_item, name="quality-coaching-item"),
    path(
        "quality/coaching/<int:pk>/follow-up/",
        coaching.follow_up,
        name="quality-coaching-follow-up",
    ),
    path("quality/reports/", reports.report, name="quality-reports"),
    path("quality/reports/<slug:name>.csv", reports.report_csv, name="quality-report-csv"),
    path("api/quality/", include("servewell.quality.api.urls")),
]
