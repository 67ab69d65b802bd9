from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from servewell.core import api_views, contract
from servewell.core.access import PUBLIC
from servewell.core.api import ApiRouter
from servewell.people import api as people_api


class SchemaView(SpectacularAPIView):
    access = PUBLIC


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served from ``?script`` and no inline style,
    so the strict CSP holds on this page too."""

    access = PUBLIC
    template_name = "core/api_docs.html"


class LoginView(auth_views.LoginView):
    access = PUBLIC
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    access = PUBLIC


router = ApiRouter()
router.register("people", people_api.PeopleViewSet, basename="api-people")
router.register("teams", people_api.TeamViewSet, basename="api-teams")
router.register("tokens", people_api.TokenViewSet, basename="api-tokens")
router.register("webhooks", api_views.WebhookViewSet, basename="api-webhooks")
router.register("jobs/failed", api_views.FailedJobViewSet, basename="api-failed-jobs")
router.register("audit", api_views.AuditViewSet, basename="api-audit")
router.register("notifications", api_views.NotificationViewSet, basename="api-notifications")

handler404 = "servewell.core.api.not_found"
handler500 = "servewell.core.busy.server_error"

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/me/", people_api.MeView.as_view(), name="api-me"),
    path("api/me/password/", people_api.MyPasswordView.as_view(), name="api-me-password"),
    path("api/me/signature/", people_api.MySignatureView.as_view(), name="api-me-signature"),
    path("api/", include(router.urls)),
    path("django-admin/", admin.site.urls),
    *(path("", include(module)) for module in contract.url_modules()),
    path("", include("servewell.core.urls")),
]
