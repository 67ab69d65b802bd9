from servewell.desk.models import Conversation
from servewell.desk.tests.factories import make_conversation
from servewell.goodwill.demo import load_goodwill_demo
from servewell.goodwill.models import Grant, Story


def test_the_demo_builds_limits_grants_requests_and_stories_once(alice, lena, maria, care):
    for n in range(9):
        conversation = make_conversation(care, subject=f"Parcel {n}")
        Conversation.objects.filter(pk=conversation.pk).update(assignee=alice)
    summary = load_goodwill_demo()
    assert summary["actions"] == 6 and summary["grants"] == 9 and summary["stories"] == 3
    statuses = set(Grant.objects.values_list("status", flat=True))
    assert {"granted", "pending"} <= statuses
    assert Story.objects.filter(featured=True).exists()
    assert load_goodwill_demo() == {"actions": 0}
    assert Grant.objects.count() == 9
