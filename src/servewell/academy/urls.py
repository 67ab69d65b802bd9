from django.urls import include, path

from servewell.academy.views import cohorts, courses, learning

urlpatterns = [
    path("academy/", cohorts.home, name="academy-home"),
    path("academy/courses/", courses.course_list, name="academy-courses"),
    path("academy/courses/<int:pk>/", courses.course_detail, name="academy-course"),
    path("academy/courses/<int:pk>/draft/", courses.start_draft, name="academy-draft"),
    path("academy/versions/<int:pk>/publish/", courses.publish, name="academy-publish"),
    path("academy/versions/<int:pk>/book/", courses.book_html, name="academy-book"),
    path("academy/versions/<int:pk>/book.pdf", courses.book_pdf, name="academy-book-pdf"),
    path("academy/lessons/<int:pk>/", courses.lesson_edit, name="academy-lesson"),
    path("academy/lessons/<int:pk>/questions/", courses.add_question, name="academy-question"),
    path("academy/lessons/<int:pk>/stories/", courses.story, name="academy-story"),
    path(
        "academy/questions/<int:pk>/delete/", courses.remove_question, name="academy-question-del"
    ),
    path("academy/cohorts/", cohorts.cohort_list, name="academy-cohorts"),
    path("academy/cohorts/<int:pk>/", cohorts.cohort_detail, name="academy-cohort"),
    path("academy/cohorts/<int:pk>/enrol/", cohorts.enrol, name="academy-enrol"),
    path("academy/cohorts/<int:pk>/sessions/", cohorts.add_session, name="academy-session"),
    path("academy/cohorts/<int:pk>/finish/", cohorts.finish, name="academy-finish"),
    path("academy/cohorts/<int:pk>/report/", cohorts.report, name="academy-report"),
    path("academy/sessions/<int:pk>/attendance/", cohorts.attendance, name="academy-attendance"),
    path(
        "academy/cohorts/<int:pk>/lessons/<int:lesson_pk>/", learning.lesson, name="academy-learn"
    ),
    path(
        "academy/cohorts/<int:pk>/lessons/<int:lesson_pk>/reflections/",
        learning.reflections,
        name="academy-reflections",
    ),
    path(
        "academy/cohorts/<int:pk>/lessons/<int:lesson_pk>/quiz/",
        learning.quiz,
        name="academy-quiz",
    ),
    path("academy/teachbacks/<int:pk>/", learning.teachback_detail, name="academy-teachback"),
    path("academy/teachbacks/<int:pk>/comments/", learning.comment, name="academy-comment"),
    path("academy/teachbacks/<int:pk>/acknowledge/", learning.acknowledge, name="academy-ack"),
    path("academy/teachbacks/<int:pk>/endorse/", learning.endorse, name="academy-endorse"),
    path("academy/cascade/", learning.cascade_view, name="academy-cascade"),
    path("api/academy/", include("servewell.academy.api.urls")),
]
