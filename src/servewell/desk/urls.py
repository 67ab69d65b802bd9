from django.urls import include, path

from servewell.core.api import ApiRouter
from servewell.desk import api, privacy_api, privacy_views, views

router = ApiRouter()
router.register("conversations", api.ConversationViewSet, basename="api-conversations")
router.register("messages", api.MessageViewSet, basename="api-messages")
router.register("contacts", api.ContactViewSet, basename="api-contacts")
router.register("macros", api.MacroViewSet, basename="api-macros")
router.register("saved-views", api.SavedViewViewSet, basename="api-saved-views")

urlpatterns = [
    path("desk/", views.inbox, name="desk-inbox"),
    path("desk/views/save/", views.save_view, name="desk-view-save"),
    path("desk/views/<int:pk>/delete/", views.delete_view, name="desk-view-delete"),
    path("desk/c/<int:pk>/", views.conversation_detail, name="desk-conversation"),
    path("desk/c/<int:pk>/messages/", views.post_message, name="desk-post-message"),
    path("desk/c/<int:pk>/update/", views.update, name="desk-update"),
    path("desk/c/<int:pk>/take/", views.take, name="desk-take"),
    path("desk/c/<int:pk>/follow/", views.follow, name="desk-follow"),
    path("desk/c/<int:pk>/merge/", views.merge, name="desk-merge"),
    path("desk/c/<int:pk>/call/", views.log_call, name="desk-call"),
    path("desk/c/<int:pk>/macro/", views.macro_preview, name="desk-macro-preview"),
    path("desk/c/<int:pk>/presence/", views.presence, name="desk-presence"),
    path("desk/c/<int:pk>/refresh/", views.refresh, name="desk-refresh"),
    path("desk/messages/<int:pk>/split/", views.split, name="desk-split"),
    path("desk/contacts/<int:pk>/", views.contact_detail, name="desk-contact"),
    path("desk/contacts/<int:pk>/merge/", views.contact_merge, name="desk-contact-merge"),
    path("desk/contacts/<int:pk>/add/", views.contact_add, name="desk-contact-add"),
    path(
        "desk/contacts/<int:pk>/export/",
        privacy_views.contact_export,
        name="desk-contact-export",
    ),
    path("desk/contacts/<int:pk>/erase/", privacy_views.contact_erase, name="desk-contact-erase"),
    path("desk/search/", views.search_page, name="desk-search"),
    path("desk/macros/", views.macro_list, name="desk-macros"),
    path("desk/macros/new/", views.macro_edit, name="desk-macro-new"),
    path("desk/macros/<int:pk>/", views.macro_edit, name="desk-macro-edit"),
    path("desk/macros/<int:pk>/delete/", views.macro_delete, name="desk-macro-delete"),
    path("desk/settings/", views.team_settings, name="desk-settings"),
    path("help/request/", views.help_request, name="help-request"),
    path("help/request/sent/", views.help_request_sent, name="help-request-sent"),
    path("api/search/", api.SearchView.as_view(), name="api-search"),
    path(
        "api/contacts/<int:pk>/export/",
        privacy_api.ContactExportView.as_view(),
        name="api-contact-export",
    ),
    path(
        "api/contacts/<int:pk>/erase/",
        privacy_api.ContactEraseView.as_view(),
        name="api-contact-erase",
    ),
    path("api/", include(router.urls)),
]
