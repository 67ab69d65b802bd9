from django.urls import include, path

from servewell.core.api import ApiRouter
from servewell.desk.api import bulk as bulk_api
from servewell.desk.api import contacts as contacts_api
from servewell.desk.api import conversations as conversations_api
from servewell.desk.api import macros as macros_api
from servewell.desk.api import messages as messages_api
from servewell.desk.api import search as search_api
from servewell.desk.views import bulk as bulk_views
from servewell.desk.views import contacts, conversation, inbox, macros, webform

router = ApiRouter()
router.register(
    "conversations", conversations_api.ConversationViewSet, basename="api-conversations"
)
router.register("messages", messages_api.MessageViewSet, basename="api-messages")
router.register("contacts", contacts_api.ContactViewSet, basename="api-contacts")
router.register("macros", macros_api.MacroViewSet, basename="api-macros")
router.register("saved-views", macros_api.SavedViewViewSet, basename="api-saved-views")

urlpatterns = [
    path("desk/", inbox.inbox, name="desk-inbox"),
    path("desk/views/save/", inbox.save_view, name="desk-view-save"),
    path("desk/views/<int:pk>/delete/", inbox.delete_view, name="desk-view-delete"),
    path("desk/c/<int:pk>/", conversation.conversation_detail, name="desk-conversation"),
    path("desk/c/<int:pk>/messages/", conversation.post_message, name="desk-post-message"),
    path("desk/c/<int:pk>/update/", conversation.update, name="desk-update"),
    path("desk/c/<int:pk>/take/", inbox.take, name="desk-take"),
    path("desk/c/<int:pk>/follow/", conversation.follow, name="desk-follow"),
    path("desk/c/<int:pk>/merge/", conversation.merge, name="desk-merge"),
    path("desk/c/<int:pk>/call/", conversation.log_call, name="desk-call"),
    path("desk/c/<int:pk>/macro/", conversation.macro_preview, name="desk-macro-preview"),
    path("desk/c/<int:pk>/presence/", conversation.presence, name="desk-presence"),
    path("desk/c/<int:pk>/refresh/", conversation.refresh, name="desk-refresh"),
    path("desk/messages/<int:pk>/split/", conversation.split, name="desk-split"),
    path("desk/messages/<int:pk>/forward/", conversation.forward, name="desk-forward"),
    path("desk/c/<int:pk>/mentionable/", conversation.mentionable, name="desk-mentionable"),
    path("desk/bulk/", bulk_views.bulk_action, name="desk-bulk"),
    path("api/conversations/bulk/", bulk_api.BulkView.as_view(), name="api-conversations-bulk"),
    path("desk/contacts/<int:pk>/", contacts.contact_detail, name="desk-contact"),
    path("desk/contacts/<int:pk>/merge/", contacts.contact_merge, name="desk-contact-merge"),
    path("desk/contacts/<int:pk>/add/", contacts.contact_add, name="desk-contact-add"),
    path("desk/search/", inbox.search_page, name="desk-search"),
    path("desk/macros/", macros.macro_list, name="desk-macros"),
    path("desk/macros/new/", macros.macro_edit, name="desk-macro-new"),
    path("desk/macros/<int:pk>/", macros.macro_edit, name="desk-macro-edit"),
    path("desk/macros/<int:pk>/delete/", macros.macro_delete, name="desk-macro-delete"),
    path("desk/settings/", macros.team_settings, name="desk-settings"),
    path("help/request/", webform.help_request, name="help-request"),
    path("help/request/sent/", webform.help_request_sent, name="help-request-sent"),
    path("api/search/", search_api.SearchView.as_view(), name="api-search"),
    path("api/", include(router.urls)),
]
