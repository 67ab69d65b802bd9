"""Mail routes: the inbound endpoint, the quarantine and mailbox screens and their API."""

from django.urls import include, path

from servewell.core.api import ApiRouter
from servewell.mail import api, mailbox_api, mailbox_views, views
from servewell.mail import jobs as jobs  # registers the periodic work

router = ApiRouter()
router.register("mail/quarantine", api.QuarantineViewSet, basename="api-mail-quarantine")
router.register("mail/mailboxes", mailbox_api.MailboxViewSet, basename="api-mail-mailboxes")

urlpatterns = [
    path("api/mail/inbound/", api.InboundMailView.as_view(), name="api-mail-inbound"),
    path("api/", include(router.urls)),
    path("desk/attachments/<int:pk>/", views.attachment_download, name="mail-attachment"),
    path("desk/quarantine/", views.quarantine_list, name="mail-quarantine"),
    path("desk/quarantine/<int:pk>/", views.quarantine_detail, name="mail-quarantine-detail"),
    path("desk/quarantine/<int:pk>/raw/", views.quarantine_raw, name="mail-quarantine-raw"),
    path("desk/quarantine/<int:pk>/retry/", views.quarantine_retry, name="mail-quarantine-retry"),
    path(
        "desk/quarantine/<int:pk>/discard/",
        views.quarantine_discard,
        name="mail-quarantine-discard",
    ),
    path("desk/mailboxes/", mailbox_views.mailbox_list, name="mail-mailboxes"),
    path("desk/mailboxes/new/", mailbox_views.mailbox_edit, name="mail-mailbox-new"),
    path("desk/mailboxes/<int:pk>/", mailbox_views.mailbox_edit, name="mail-mailbox-edit"),
    path("desk/mailboxes/<int:pk>/test/", mailbox_views.mailbox_test, name="mail-mailbox-test"),
    path("desk/mailboxes/<int:pk>/fetch/", mailbox_views.mailbox_fetch, name="mail-mailbox-fetch"),
    path(
        "desk/mailboxes/<int:pk>/active/", mailbox_views.mailbox_active, name="mail-mailbox-active"
    ),
    path(
        "desk/mailboxes/<int:pk>/delete/", mailbox_views.mailbox_delete, name="mail-mailbox-delete"
    ),
]
