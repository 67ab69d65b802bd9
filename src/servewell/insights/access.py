"""Insights permissions: leads see their teams' dashboard, managers every team's."""

from __future__ import annotations

from servewell.people.models import Role

INSIGHTS_VIEW = "insights.view"

#: Handed to core through the app contract; admins hold every permission.
GRANTS: dict[str, set[str]] = {
    Role.LEAD: {INSIGHTS_VIEW},
    Role.MANAGER: {INSIGHTS_VIEW},
}
