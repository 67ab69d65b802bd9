from django.urls import include, path

from servewell.core.api import ApiRouter
from servewell.goodwill import api, report_views, story_views, views

router = ApiRouter()
router.register("actions", api.ActionViewSet, basename="api-goodwill-actions")
router.register("limits", api.LimitViewSet, basename="api-goodwill-limits")
router.register("grants", api.GrantViewSet, basename="api-goodwill-grants")
router.register("stories", api.StoryViewSet, basename="api-goodwill-stories")

urlpatterns = [
    path("goodwill/", views.home, name="goodwill-home"),
    path("goodwill/c/<int:pk>/grant/", views.grant_create, name="goodwill-grant-create"),
    path("goodwill/grants/<int:pk>/", views.grant_detail, name="goodwill-grant"),
    path("goodwill/grants/<int:pk>/decide/", views.decide, name="goodwill-decide"),
    path("goodwill/settings/", views.settings_page, name="goodwill-settings"),
    path("goodwill/reports/", report_views.report, name="goodwill-reports"),
    path("goodwill/reports/grants/", report_views.report_grants, name="goodwill-report-grants"),
    path("goodwill/reports/<slug:dim>.csv", report_views.report_csv, name="goodwill-report-csv"),
    path("goodwill/stories/", story_views.story_list, name="goodwill-stories"),
    path("goodwill/stories/<int:pk>/", story_views.story_detail, name="goodwill-story"),
    path("goodwill/stories/<int:pk>/react/", story_views.story_react, name="goodwill-story-react"),
    path(
        "goodwill/stories/<int:pk>/comment/",
        story_views.story_comment,
        name="goodwill-story-comment",
    ),
    path(
        "goodwill/stories/<int:pk>/feature/",
        story_views.story_feature,
        name="goodwill-story-feature",
    ),
    path("api/goodwill/reports/<slug:dim>/", api.ReportView.as_view(), name="api-goodwill-report"),
    path("api/goodwill/", include(router.urls)),
]
