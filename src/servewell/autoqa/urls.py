from django.urls import path

from servewell.autoqa import api, views

urlpatterns = [
    path("autoqa/agreement/", views.agreement, name="autoqa-agreement"),
    path("api/autoqa/agreement/", api.AgreementView.as_view(), name="api-autoqa-agreement"),
    path(
        "api/autoqa/conversations/<int:pk>/",
        api.ConversationScoreView.as_view(),
        name="api-autoqa-conversation",
    ),
]
