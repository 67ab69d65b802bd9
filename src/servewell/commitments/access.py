"""Commitments permissions: everyone on the desk sees targets; leads set them."""

from servewell.people.models import Role

COMMITMENTS_VIEW = "commitments.view"
COMMITMENTS_MANAGE = "commitments.manage"

#: Handed to core through the app contract (``apps.py``).
GRANTS: dict[str, set[str]] = {
    **{role: {COMMITMENTS_VIEW} for role in (Role.AGENT, Role.QA)},
    **{role: {COMMITMENTS_VIEW, COMMITMENTS_MANAGE} for role in (Role.LEAD, Role.MANAGER)},
}
