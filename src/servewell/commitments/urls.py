from django.urls import include, path

from servewell.commitments import api, portal_views, views
from servewell.core.api import ApiRouter

router = ApiRouter()
router.register("policies", api.PolicyViewSet, basename="api-sla-policies")

urlpatterns = [
    path("commitments/", views.policy_list, name="sla-policies"),
    path("commitments/sweep/", views.run_sweep, name="sla-sweep"),
    path("commitments/aging/", views.aging_board, name="sla-aging"),
    path("commitments/accountability/", views.accountability_report, name="sla-accountability"),
    path("commitments/teams/<int:team_id>/", views.team_policies, name="sla-team-policies"),
    path(
        "commitments/teams/<int:team_id>/settings/", views.team_settings, name="sla-team-settings"
    ),
    path(
        "commitments/c/<int:conversation_id>/clocks/",
        views.conversation_clocks,
        name="sla-conversation-clocks",
    ),
    path("commitments/c/<int:conversation_id>/apology/", views.apology, name="sla-apology"),
    path("status/<slug:slug>/", views.public_page, name="sla-public"),
    path(
        "your-request/<str:token>/",
        portal_views.customer_conversation,
        name="customer-conversation",
    ),
    path("api/commitments/", include(router.urls)),
    path(
        "api/commitments/conversations/<int:conversation_id>/clocks/",
        api.ConversationClocksView.as_view(),
        name="api-sla-clocks",
    ),
    path("api/commitments/aging/", api.AgingView.as_view(), name="api-sla-aging"),
    path(
        "api/commitments/accountability/",
        api.AccountabilityView.as_view(),
        name="api-sla-accountability",
    ),
    path(
        "api/commitments/teams/<int:team_id>/settings/",
        api.TeamSettingsView.as_view(),
        name="api-sla-team-settings",
    ),
]
