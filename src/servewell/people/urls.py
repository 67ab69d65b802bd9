from django.urls import path

from servewell.core import nav
from servewell.people import views
from servewell.people.access import Perm

urlpatterns = [
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
    path("me/presence/", views.my_presence, name="my-presence"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]

nav.add(nav.NavItem("Home", "home", Perm.HOME))
nav.add(nav.NavItem("People", "people", Perm.PEOPLE_VIEW))
nav.add(nav.NavItem("Teams", "teams", Perm.TEAMS_VIEW))
nav.add(nav.NavItem("Audit log", "audit-log", Perm.AUDIT_VIEW, section="admin"))
nav.add(nav.NavItem("Failed jobs", "failed-jobs", Perm.JOBS_MANAGE, section="admin"))
nav.add(nav.NavItem("Webhooks", "webhooks", Perm.WEBHOOKS_MANAGE, section="admin"))
