from django.urls import path

from servewell.people import account_views, views

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
    path("me/signature/", account_views.signature, name="profile-signature"),
    path("me/password/", account_views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "people/<int:pk>/invitation/",
        account_views.resend_invitation,
        name="person-resend-invitation",
    ),
    path("people/<int:pk>/tokens/", account_views.issue_token, name="person-token"),
    path(
        "welcome/<uidb64>/<token>/",
        account_views.InvitationView.as_view(),
        name="invitation-accept",
    ),
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        account_views.PasswordResetSentView.as_view(),
        name="password-reset-sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]
