"""Goodwill permissions.

Front-line people grant within their limits; leads and managers decide requests and read
the reports; admins define actions and limits (admins hold every permission). Everyone on
staff reads and writes daily-choice stories; leads and managers feature them.
"""

from servewell.people.models import Role

GOODWILL_GRANT = "goodwill.grant"  # grant on a conversation one can see, or ask
GOODWILL_DECIDE = "goodwill.decide"  # approve or decline a team's requests
GOODWILL_REPORTS = "goodwill.reports"
GOODWILL_ADMIN = "goodwill.admin"  # actions and limits
STORIES = "goodwill.stories"  # read, record, react, comment
STORIES_FEATURE = "goodwill.stories.feature"  # feature, offer to the academy

_STAFF = {STORIES}
GRANTS: dict[str, set[str]] = {
    Role.AGENT: _STAFF | {GOODWILL_GRANT},
    Role.LEAD: _STAFF | {GOODWILL_GRANT, GOODWILL_DECIDE, GOODWILL_REPORTS, STORIES_FEATURE},
    Role.MANAGER: _STAFF | {GOODWILL_GRANT, GOODWILL_DECIDE, GOODWILL_REPORTS, STORIES_FEATURE},
    Role.QA: _STAFF,
    Role.TRAINER: _STAFF,
}
