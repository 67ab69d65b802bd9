"""Mail routes: the inbound endpoint, the quarantine screens and their API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from servewell.core import nav
from servewell.desk.mail import api, jobs, views  # noqa: F401 — jobs registers periodic work
from servewell.desk.mail.access import MAIL_QUARANTINE

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("mail/quarantine", api.QuarantineViewSet, basename="api-mail-quarantine")

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
]

nav.add(nav.NavItem("Mail quarantine", "mail-quarantine", MAIL_QUARANTINE, section="admin"))
