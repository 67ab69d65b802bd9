"""Commitments permissions: everyone on the desk sees targets; leads set them."""

from servewell.people import access
from servewell.people.models import Role

COMMITMENTS_VIEW = "commitments.view"
COMMITMENTS_MANAGE = "commitments.manage"

for role in (Role.AGENT, Role.LEAD, Role.MANAGER, Role.QA, Role.ADMIN):
    access.register(role, COMMITMENTS_VIEW)
for role in (Role.LEAD, Role.MANAGER, Role.ADMIN):
    access.register(role, COMMITMENTS_MANAGE)
