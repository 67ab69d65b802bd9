"""Permissions of the live queue, granted to roles at import time.

- ``queue.view``: the wallboard, the alarm log, the presence board, metrics and the
  real-time stream, and answering "I'm on it". Every staff role: an all-hands alarm is for
  all hands.
- ``queue.rules``: alarm rules and service-level settings of a team. Leads (of that
  team, checked per object with ``can_manage_team``), managers and admins.
- ``queue.feed``: posting telephony events to ``/api/queue/events/``. Service accounts
  (the usual set-up: an account with only the service role, whose API token the phone
  system or ``servewell ami_listen`` uses), admins and managers.
"""

from __future__ import annotations

from servewell.people.models import Role

QUEUE_VIEW = "queue.view"
QUEUE_RULES = "queue.rules"
QUEUE_FEED = "queue.feed"

_ALL_HANDS = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.QA, Role.TRAINER)

#: Handed to core through the app contract; admins hold every permission.
GRANTS: dict[str, set[str]] = {
    **{role: {QUEUE_VIEW} for role in _ALL_HANDS},
    Role.LEAD: {QUEUE_VIEW, QUEUE_RULES},
    Role.MANAGER: {QUEUE_VIEW, QUEUE_RULES, QUEUE_FEED},
    Role.SERVICE: {QUEUE_FEED},
}
