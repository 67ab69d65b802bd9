"""The demo's alarm history shows leads and managers jumping in."""

from __future__ import annotations

from servewell.livequeue.demo import load_queue_demo
from servewell.livequeue.models import Alarm, AlarmResponse
from servewell.people.demo import load_people_demo
from servewell.people.models import User


def test_the_demo_alarms_were_answered_by_agents_leads_and_a_manager(db):
    load_people_demo()
    presence = dict(User.objects.values_list("username", "presence"))
    assert load_queue_demo()["alarms"] == 12
    assert not Alarm.objects.filter(cleared_at=None).exists()
    roles = set(AlarmResponse.objects.values_list("role", flat=True))
    assert {"agent", "lead", "manager"} <= roles
    assert dict(User.objects.values_list("username", "presence")) == presence
    assert load_queue_demo() == {"alarms": 0} and Alarm.objects.count() == 12
