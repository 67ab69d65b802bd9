from django.urls import path

from servewell.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", views.notification_list, name="notifications"),
    path("admin-tools/audit/", views.audit_log, name="audit-log"),
    path("admin-tools/jobs/", views.failed_jobs, name="failed-jobs"),
    path(
        "admin-tools/jobs/<int:pk>/<str:action>/", views.failed_job_action, name="failed-job-action"
    ),
    path("admin-tools/webhooks/", views.webhook_list, name="webhooks"),
    path("admin-tools/webhooks/<int:pk>/", views.webhook_detail, name="webhook-detail"),
]
