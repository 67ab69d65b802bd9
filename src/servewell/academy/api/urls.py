"""The router of the academy API (mounted at ``api/academy/``)."""

from servewell.academy.api import views
from servewell.core.api import ApiRouter

router = ApiRouter()
router.register("courses", views.CourseViewSet, basename="api-academy-courses")
router.register("versions", views.VersionViewSet, basename="api-academy-versions")
router.register("lessons", views.LessonViewSet, basename="api-academy-lessons")
router.register("cohorts", views.CohortViewSet, basename="api-academy-cohorts")
router.register("sessions", views.SessionViewSet, basename="api-academy-sessions")
router.register("teachbacks", views.TeachBackViewSet, basename="api-academy-teachbacks")
router.register("cascade", views.CascadeViewSet, basename="api-academy-cascade")

urlpatterns = router.urls
