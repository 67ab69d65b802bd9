"""Auto-QA permissions.

- ``autoqa.view``: every staff role; the auto score beside a conversation one can see.
- ``autoqa.manage``: QA, leads, managers: agreement, links to scorecards, rescoring.
"""

from __future__ import annotations

from servewell.people.models import Role

AUTOQA_VIEW = "autoqa.view"
AUTOQA_MANAGE = "autoqa.manage"

GRANTS: dict[str, set[str]] = {
    Role.AGENT: {AUTOQA_VIEW},
    Role.TRAINER: {AUTOQA_VIEW},
    Role.QA: {AUTOQA_VIEW, AUTOQA_MANAGE},
    Role.LEAD: {AUTOQA_VIEW, AUTOQA_MANAGE},
    Role.MANAGER: {AUTOQA_VIEW, AUTOQA_MANAGE},
}
