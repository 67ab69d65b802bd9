from django.urls import path

from servewell.people import views

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people_list, name="people"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("teams/", views.team_list, name="teams"),
    path("teams/new/", views.team_create, name="team-create"),
    path("teams/<int:pk>/", views.team_detail, name="team-detail"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team-edit"),
    path("teams/<int:pk>/members/", views.team_member, name="team-member"),
    path("teams/<int:pk>/closed-days/", views.team_closed_day, name="team-closed-day"),
    path("me/", views.profile, name="profile"),
    path("me/notifications/", views.notification_preferences, name="profile-notifications"),
    path("me/presence/", views.my_presence, name="my-presence"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
