from django.urls import path

from servewell.autoqa import api, views

urlpatterns = [
    path("autoqa/agreement/", views.agreement, name="autoqa-agreement"),
    path("autoqa/links/", views.link_list, name="autoqa-links"),
    path("api/autoqa/links/", api.LinkListView.as_view(), name="api-autoqa-links"),
    path("api/autoqa/links/<str:criterion>/", api.LinkView.as_view(), name="api-autoqa-link"),
    path("api/autoqa/agreement/", api.AgreementView.as_view(), name="api-autoqa-agreement"),
    path(
        "api/autoqa/conversations/<int:pk>/",
        api.ConversationScoreView.as_view(),
        name="api-autoqa-conversation",
    ),
]
