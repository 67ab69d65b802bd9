"""Experience permissions.

- ``experience.view``: every staff role. Own ratings and kudos, the recognition wall,
  giving kudos, answering one's team pulse.
- ``experience.reports``: leads, managers, QA, admins. Ratings and reports of the teams
  they see, pulse trends (leads: their teams; managers: all), recovery.
- ``experience.manage``: leads (their teams), managers, admins. Per-team survey and pulse
  settings, opening and closing pulse rounds.
"""

from __future__ import annotations

from servewell.people.models import Role

EXPERIENCE_VIEW = "experience.view"
EXPERIENCE_REPORTS = "experience.reports"
EXPERIENCE_MANAGE = "experience.manage"

_ALL = {EXPERIENCE_VIEW}
GRANTS: dict[str, set[str]] = {
    Role.AGENT: _ALL,
    Role.TRAINER: _ALL,
    Role.QA: _ALL | {EXPERIENCE_REPORTS},
    Role.LEAD: _ALL | {EXPERIENCE_REPORTS, EXPERIENCE_MANAGE},
    Role.MANAGER: _ALL | {EXPERIENCE_REPORTS, EXPERIENCE_MANAGE},
}
