from django.urls import include, path

from servewell.experience import public, views

urlpatterns = [
    path("s/<str:token>/unsubscribe/", public.unsubscribe, name="experience-unsubscribe"),
    path("s/<str:token>/<str:score>/", public.answer_page, name="experience-answer"),
    path("s/<str:token>/", public.answer_submit, name="experience-answer-submit"),
    path("experience/", views.home, name="experience-home"),
    path("experience/recovery/<int:pk>/", views.recovery_detail, name="experience-recovery"),
    path("experience/responses/", views.response_list, name="experience-responses"),
    path("experience/responses/<int:pk>/kudos/", views.pass_on, name="experience-pass-on"),
    path("experience/reports/", views.report, name="experience-reports"),
    path("experience/reports.csv", views.report_csv, name="experience-reports-csv"),
    path("experience/pulse/", views.pulse_page, name="experience-pulse"),
    path(
        "experience/pulse/teams/<int:team_id>/open/", views.pulse_open, name="experience-pulse-open"
    ),
    path("experience/pulse/<int:pk>/close/", views.pulse_close, name="experience-pulse-close"),
    path("experience/pulse/<int:pk>/", views.pulse_answer, name="experience-pulse-answer"),
    path("experience/kudos/", views.wall, name="experience-wall"),
    path("experience/kudos/give/", views.give, name="experience-give"),
    path("experience/settings/", views.settings_page, name="experience-settings"),
    path("api/experience/", include("servewell.experience.api_urls")),
]
