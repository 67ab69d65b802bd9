"""Demo conversations for ``servewell demo``: a living desk over the last 60 days.

Rows are written directly (with their activity history and search documents) rather than
through the domain functions: those publish events, and a demo must not make the rest of
the system react as if hundreds of customers had just written — no acknowledgement
emails, no escalations. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from servewell.contacts.models import Contact, ContactEmail, ContactPhone
from servewell.desk import search
from servewell.desk.models import (
    OPEN_STATUSES,
    Activity,
    Channel,
    Conversation,
    DeskTeamSettings,
    Macro,
    Message,
    MessageKind,
    Priority,
    SavedView,
    Status,
    Tag,
)
from servewell.people.models import Membership, Team, User

DOMAIN = "customers.example"
CONVERSATIONS = 320
DAYS = 60

FIRST = [
    "Amelia",
    "Oliver",
    "Isla",
    "Noah",
    "Freya",
    "Leo",
    "Maja",
    "Lukas",
    "Sofia",
    "Mateo",
    "Chiara",
    "Jakob",
    "Aylin",
    "Omar",
    "Hannah",
    "Tomasz",
    "Zoe",
    "Kwame",
    "Ingrid",
    "Rahul",
    "Nadia",
    "Pierre",
    "Grace",
    "Emil",
    "Yara",
    "Felix",
    "Laila",
    "Arjun",
    "Saoirse",
    "Marek",
    "Beatriz",
    "Jonas",
    "Ama",
    "Henrik",
    "Lucia",
    "Dmitri",
    "Nora",
    "Samuel",
    "Eva",
    "Kenji",
]
LAST = [
    "Hughes",
    "Schneider",
    "Novak",
    "Costa",
    "Lindberg",
    "Okafor",
    "Dubois",
    "Kowalski",
    "Rossi",
    "Jensen",
    "Moreno",
    "Fischer",
    "Byrne",
    "Nakamura",
    "Haddad",
    "Petrov",
    "Andersen",
    "Mensah",
    "Walsh",
    "Ferreira",
    "Varga",
    "Keller",
    "Iyer",
    "Brennan",
]
ORGS = ["", "", "", "Harbour Bakery", "Northfield School", "Kline & Sons", "Atelier Nord"]
PRODUCTS = [
    "Aero kettle",
    "Brio toaster",
    "Lumen desk lamp",
    "Nordic coffee grinder",
    "Vela blender",
    "Tidy robot vacuum",
    "Cirrus air purifier",
    "Pico smart plug",
    "Terra stand mixer",
    "Fjord headphones",
]


@dataclass
class Scenario:
    team: str
    subject: str
    opening: str
    reply: str
    follow_up: str = ""
    closing: str = ""
    note: str = ""
    tags: tuple[str, ...] = ()
    channels: tuple[str, ...] = (Channel.EMAIL, Channel.WEB)
    priority: str = Priority.NORMAL
    extra: dict[str, Any] = field(default_factory=dict)


CARE = "Customer Care"
ORDERS = "Orders & Returns"
TECH = "Technical Support"

SCENARIOS = [
    Scenario(
        CARE,
        "Can't log in to my account",
        "Hello, I have tried to sign in three times this morning and it keeps saying my "
        "password is wrong. I reset it yesterday. Can you help?",
        "Hi {first}, sorry for the trouble. I can see two reset links were sent yesterday; "
        "only the newest one works. I have sent you a fresh one just now — it is valid for "
        "an hour. Let me know if it still refuses you.",
        "That worked, thank you! I was clicking the old link.",
        "Glad you are back in, {first}. Have a good day.",
        tags=("account",),
    ),
    Scenario(
        CARE,
        "Change the email address on my account",
        "I have a new work address and would like all messages to go there instead: "
        "{first_lower}.{last_lower}@newmail.example. How do I change it?",
        "Hi {first}, I have started the change for you. A confirmation link is on its way to "
        "the new address; once you click it, everything goes there.",
        "Confirmed. Thanks for the quick help.",
        tags=("account",),
    ),
    Scenario(
        CARE,
        "Complaint about the delivery driver",
        "The driver left my parcel in the rain on the doorstep even though I was at home. "
        "The box of my {product} was soaked. Not acceptable.",
        "Hi {first}, I am sorry — you were home and the parcel should have been handed to you. "
        "I have reported this to the courier with your order number. Is the {product} itself "
        "working? If anything is damaged I will send a replacement today.",
        "The product seems fine, it was mostly the box. But please make sure it does not "
        "happen again.",
        "Thank you for letting us know, {first}. The courier has confirmed they spoke with the "
        "driver. I have added a note to your account to always ring the bell.",
        note="Courier ticket opened; customer is a repeat buyer (5 orders this year).",
        tags=("delivery", "complaint"),
        priority=Priority.HIGH,
    ),
    Scenario(
        CARE,
        "Question about the loyalty points",
        "Hi, my last two orders did not add any points to my card. Are points still running?",
        "Hi {first}, they are — the points for orders shipped after the 1st are added when "
        "the return window closes, 30 days after delivery. You will see them on the 14th.",
        tags=("loyalty",),
        channels=(Channel.EMAIL, Channel.CHAT),
        priority=Priority.LOW,
    ),
    Scenario(
        CARE,
        "Thank you to Priya",
        "I just wanted to say that the lady on the phone yesterday was wonderful. She stayed "
        "with me until the {product} worked. Please pass it on.",
        "Dear {first}, thank you so much for taking the time to write. I have passed your "
        "words on to her and to her team lead — it made their day.",
        tags=("praise",),
        priority=Priority.LOW,
    ),
    Scenario(
        CARE,
        "Invoice shows the wrong company name",
        "Our invoice for order {order} is made out to my private name but it should be "
        "{org}. Our accountant needs it corrected.",
        "Hello {first}, I have corrected the invoice and attached the new copy to your "
        "account under Orders › {order}. The old one is cancelled.",
        "Perfect, thanks.",
        tags=("invoice",),
    ),
    Scenario(
        CARE,
        "Do you deliver to the Channel Islands?",
        "I am moving to Jersey next month. Can I still order from you?",
        "Hi {first}, yes — we deliver to Jersey and Guernsey with a 3–5 day delivery time. "
        "Import VAT is added at checkout, so there is nothing more to pay on arrival.",
        channels=(Channel.CHAT, Channel.EMAIL, Channel.WEB),
        priority=Priority.LOW,
    ),
    Scenario(
        CARE,
        "Please delete my data",
        "I would like my account and all the personal data you hold about me to be deleted.",
        "Hello {first}, I have started the erasure of your account. Orders must be kept for "
        "tax reasons for seven years, but without your contact details. You will get a "
        "confirmation within 30 days.",
        note="GDPR erasure request: forwarded to the privacy team, due in 30 days.",
        tags=("gdpr",),
        priority=Priority.HIGH,
    ),
    Scenario(
        ORDERS,
        "Where is my order {order}?",
        "I ordered a {product} nine days ago and the tracking has not moved since Tuesday. "
        "Can you check what is going on?",
        "Hi {first}, thanks for your patience. The parcel is stuck at the regional depot after "
        "a sorting fault. The courier promises delivery within two working days; I will keep "
        "an eye on it and write again if it does not move.",
        "It arrived this morning. Thanks!",
        "Great news, {first}. Enjoy your {product}!",
        tags=("delivery", "where-is-my-order"),
    ),
    Scenario(
        ORDERS,
        "Return label for the {product}",
        "The {product} is not what I expected and I would like to return it. How do I get a "
        "return label?",
        "Hello {first}, I have emailed you a prepaid return label. Pack the {product} in any "
        "box, stick the label on and drop it at a parcel shop. The refund follows within 5 "
        "days of us receiving it.",
        "Sent it back today, tracking number ends in 4471.",
        "Thank you, {first}. I will watch for it and confirm the refund.",
        tags=("return",),
    ),
    Scenario(
        ORDERS,
        "Refund not received",
        "I returned my {product} three weeks ago and still have no refund. Order {order}.",
        "Hi {first}, I am sorry this took so long. The return arrived on the 3rd but was not "
        "booked in. I have issued the refund just now; it takes 3–5 working days to reach "
        "your card.",
        "OK, but this is the second time this happened to me.",
        "You are right to be annoyed, {first}. I have added a 15 % voucher to your account as "
        "an apology, and I will check personally that the refund lands.",
        note="Warehouse booked the return under the wrong order. Voucher given as goodwill.",
        tags=("refund", "complaint"),
        priority=Priority.HIGH,
    ),
    Scenario(
        ORDERS,
        "Wrong item delivered",
        "I ordered the {product} in black and received the white one. Can you swap it?",
        "Hi {first}, apologies for the mix-up. The black {product} leaves our warehouse today "
        "and the courier will collect the white one when delivering — no need to print "
        "anything.",
        tags=("exchange", "warehouse-error"),
    ),
    Scenario(
        ORDERS,
        "Cancel my order {order}",
        "Please cancel order {order}, I ordered the {product} twice by mistake.",
        "Hello {first}, done — the duplicate is cancelled and you have not been charged for "
        "it. The first order ships as planned.",
        channels=(Channel.EMAIL, Channel.CHAT, Channel.API),
    ),
    Scenario(
        ORDERS,
        "Damaged on arrival",
        "The {product} arrived with a cracked housing. Photos attached. I need it working for "
        "the weekend.",
        "Hi {first}, I am sorry — that should not happen. A replacement is booked on express "
        "delivery for Friday, and the courier will take the damaged one back at the same "
        "time.",
        "Thank you for sorting this so quickly.",
        tags=("damaged", "replacement"),
        priority=Priority.URGENT,
    ),
    Scenario(
        ORDERS,
        "Can I change the delivery address?",
        "I will not be home next week. Could order {order} go to my office at 12 Quay Street "
        "instead?",
        "Hi {first}, the parcel had not left yet, so I changed the address to 12 Quay Street. "
        "You will get a new tracking email tonight.",
        tags=("delivery",),
        channels=(Channel.CHAT, Channel.EMAIL, Channel.PHONE),
    ),
    Scenario(
        ORDERS,
        "Charged twice for one order",
        "My card statement shows two payments for order {order}. Please refund one.",
        "Hello {first}, the second amount is a reservation your bank shows while the payment "
        "is checked; it was never taken and drops off within 5 days. I have checked with our "
        "payment provider to be sure.",
        "It disappeared today, thanks for explaining.",
        tags=("payment",),
        priority=Priority.HIGH,
    ),
    Scenario(
        TECH,
        "{product} does not connect to Wi-Fi",
        "Since the update on Monday my {product} will not join our Wi-Fi. It blinks orange and "
        "gives up after a minute. I have restarted the router.",
        "Hi {first}, thanks for the details. The update changed how the {product} handles "
        "5 GHz networks. Please hold the power button for 10 seconds to reset the network "
        "settings and choose your 2.4 GHz network when setting up again.",
        "Reset worked and it is connected again.",
        "Great, {first}. A fix for 5 GHz is in the next update, due later this month.",
        note="Known issue FW 3.2 — linked to bug 1182. Same cause in at least 14 cases.",
        tags=("wifi", "firmware"),
    ),
    Scenario(
        TECH,
        "App crashes when I open the schedule",
        "The app closes every time I tap on Schedule. Android 14, latest version of the app.",
        "Hi {first}, thank you for reporting this. Could you clear the app cache (Settings › "
        "Apps › Servewell Home › Storage) and try again? If it still crashes, send us the time "
        "it happened and I will look for the crash report.",
        "Still crashing, it happened at 14:32 today.",
        "Thanks, {first}. I found the crash: it happens when a schedule has no end date. Our "
        "developers have it; until the fix, adding an end date to the schedule avoids it.",
        note="Crash report 14:32 → NullPointer in ScheduleView. Escalated to the app team.",
        tags=("app", "bug"),
        priority=Priority.HIGH,
    ),
    Scenario(
        TECH,
        "{product} makes a loud noise",
        "My {product} started making a grinding noise yesterday. It is only four months old.",
        "Hi {first}, that does not sound right. Could you send a short video of the noise? "
        "If it is the motor bearing, we will replace the unit under warranty.",
        "Video sent by email just now.",
        "Thanks, {first} — it is the bearing. A replacement is on its way; please send the "
        "old unit back in the same box with the label we included.",
        tags=("warranty", "noise"),
    ),
    Scenario(
        TECH,
        "How do I update the firmware?",
        "Is there a way to update the {product} without the app? I do not have a smartphone.",
        "Hello {first}, yes: download the update file from our support page onto a USB stick, "
        "plug it into the {product} and hold the power button for 5 seconds. The light "
        "blinks blue while it updates.",
        channels=(Channel.PHONE, Channel.EMAIL),
        priority=Priority.LOW,
    ),
    Scenario(
        TECH,
        "Smart plug switches off by itself",
        "My Pico smart plug turns off every night around 2 am. No schedule is set.",
        "Hi {first}, the plug reboots when it loses Wi-Fi for more than a minute, and after a "
        "reboot it starts switched off by default. In the app you can set 'Power-on state' to "
        "'Last state' so it comes back on.",
        "That fixed it. Thanks!",
        tags=("smart-plug",),
    ),
    Scenario(
        TECH,
        "Error code E42 on the display",
        "The {product} shows E42 and refuses to start. Tried unplugging it.",
        "Hi {first}, E42 means the lid sensor does not detect the lid. Please check that "
        "nothing is stuck in the hinge and clean the small contact with a dry cloth.",
        "Found a crumb in the hinge. Working now.",
        tags=("error-code",),
        channels=(Channel.CHAT, Channel.EMAIL, Channel.WEB),
    ),
    Scenario(
        TECH,
        "Headphones only play on the left side",
        "My {product} only play on the left. Tried two phones.",
        "Hi {first}, please reset the pairing: hold both buttons for 15 seconds until the light "
        "flashes red and white, then pair again. If the right side stays silent it is a "
        "hardware fault and we will replace them.",
        "Still only the left.",
        "Thanks for trying, {first}. A replacement pair is on its way.",
        tags=("audio", "replacement"),
        priority=Priority.HIGH,
    ),
]

MACROS = [
    (
        "Thanks and close",
        "Thank you, {{ contact.first_name }}. I will close this conversation now; if anything "
        "else comes up, just reply and it reopens.\n\n{{ agent.name }}",
        None,
        Status.SOLVED,
        "",
    ),
    (
        "Ask for the order number",
        "Hi {{ contact.first_name }}, thanks for getting in touch. Could you send me the order "
        "number (it starts with SW-) so I can look into this straight away?\n\n{{ agent.name }}",
        None,
        Status.PENDING,
        "",
    ),
    (
        "Return label sent",
        "Hello {{ contact.first_name }}, I have emailed you a prepaid return label for "
        "{{ conversation.reference }}. Drop the parcel at any parcel shop; the refund follows "
        "within 5 days of its arrival.\n\n{{ agent.name }}, {{ team.name }}",
        ORDERS,
        Status.PENDING,
        "return",
    ),
    (
        "Wi-Fi reset steps",
        "Hi {{ contact.first_name }}, please hold the power button for 10 seconds to reset the "
        "network settings, then set the device up again on your 2.4 GHz network.\n\n"
        "{{ agent.name }}",
        TECH,
        Status.PENDING,
        "wifi",
    ),
]


def _texts(scenario: Scenario, values: dict[str, str]) -> dict[str, str]:
    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text

    return {
        key: fill(getattr(scenario, key))
        for key in ("subject", "opening", "reply", "follow_up", "closing", "note")
    }


class _Builder:
    """Accumulates rows for one conversation, with activities in order and a version."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.messages: list[Message] = []
        self.activities: list[tuple[str, Any, dt.datetime, dict]] = []
        self.version = 1

    def act(self, verb: str, actor: Any, at: dt.datetime, **data: Any) -> None:
        if verb != "opened":
            self.version += 1
        self.activities.append((verb, actor, at, {**data, "v": self.version}))

    def message(self, kind: str, at: dt.datetime, text: str, **fields: Any) -> None:
        self.messages.append(Message(kind=kind, created_at=at, body_text=text, **fields))

    def shift(self, delta: dt.timedelta) -> None:
        c = self.conversation
        for name in ("created_at", "last_customer_message_at", "first_response_at", "solved_at"):
            if getattr(c, name):
                setattr(c, name, getattr(c, name) - delta)
        for m in self.messages:
            m.created_at -= delta
        self.activities = [(v, a, at - delta, d) for v, a, at, d in self.activities]


def _people(team: Team) -> list[User]:
    return list(
        User.objects.filter(memberships__team=team, is_active=True)
        .exclude(username__in=["admin", "quinn"])
        .order_by("id")
    )


def _contacts(rng: random.Random, count: int) -> list[Contact]:
    contacts = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        contact = Contact.objects.create(name=f"{first} {last}", organisation=rng.choice(ORGS))
        ContactEmail.objects.create(
            contact=contact,
            address=f"{first.lower()}.{last.lower()}.{n}@{DOMAIN}",
            is_primary=True,
        )
        if rng.random() < 0.4:
            ContactPhone.objects.create(contact=contact, number=f"+4477009{n:05d}")
        contacts.append(contact)
    return contacts


def _status_for(age_days: float, rng: random.Random) -> str:
    if age_days > 14:
        return rng.choice([Status.SOLVED] * 5 + [Status.CLOSED] * 3 + [Status.PENDING])
    if age_days > 3:
        return rng.choice(
            [Status.SOLVED] * 3 + [Status.PENDING] * 2 + [Status.OPEN, Status.ON_HOLD]
        )
    return rng.choice([Status.NEW] * 3 + [Status.OPEN] * 3 + [Status.PENDING] * 2)


def _build(
    rng: random.Random,
    scenario: Scenario,
    team: Team,
    contact: Contact,
    people: list[User],
    now: dt.datetime,
    created: dt.datetime | None = None,
    handler: User | None = None,
    tries: int = 0,
) -> tuple[Conversation, _Builder, list[str]]:
    """One conversation told as it happened: opened, answered, perhaps answered back,
    solved — stopping where its final status says. Times never pass ``now``."""
    # More of the recent days: a desk is busiest with what is still open.
    created = created or now - dt.timedelta(days=DAYS * rng.random() ** 1.7)
    age = (now - created).total_seconds() / 86400
    status = _status_for(age, rng) if people else Status.NEW
    if handler is not None:
        status = Status.SOLVED
    channel = rng.choice(scenario.channels)
    if Channel.EMAIL in scenario.channels and rng.random() < 0.5:
        channel = Channel.EMAIL
    elif rng.random() < 0.08:
        channel = Channel.PHONE
    first = contact.name.split()[0]
    values = {
        "first": first,
        "first_lower": first.lower(),
        "last_lower": contact.name.split()[-1].lower(),
        "product": rng.choice(PRODUCTS),
        "order": f"SW-{rng.randint(100000, 999999)}",
        "org": contact.organisation or "Harbour Bakery Ltd",
    }
    text = _texts(scenario, values)
    agent = handler or (rng.choice(people) if people else None)
    if channel == Channel.PHONE and status == Status.NEW:
        status = Status.OPEN  # somebody took the call
    conv = Conversation(
        subject=text["subject"],
        channel=channel,
        team=team,
        contact=contact,
        priority=scenario.priority if rng.random() < 0.8 else rng.choice(Priority.values),
        status=Status.NEW,
        created_at=created,
    )
    b = _Builder(conv)
    b.act("opened", None, created, channel=channel)
    t = created
    if channel == Channel.PHONE:
        b.message(
            MessageKind.CALL,
            t,
            f"Customer called. {text['opening']}",
            author=agent,
            contact=contact,
            call_seconds=rng.randint(90, 900),
            call_direction="inbound",
        )
        conv.first_response_at = t
    else:
        b.message(MessageKind.CUSTOMER, t, text["opening"], contact=contact)
    conv.last_customer_message_at = t
    if status != Status.NEW:
        t = _story(rng, conv, b, text, agent, people, status, t)
    # Recent stories may run past now: move the whole story back in time.
    overshoot = t - now + dt.timedelta(minutes=rng.randint(3, 90))
    if overshoot > dt.timedelta(0) and t > now - dt.timedelta(minutes=3):
        if tries < 6:  # told again from an earlier start, so office hours still hold
            return _build(
                rng, scenario, team, contact, people, now, created - overshoot, handler, tries + 1
            )
        b.shift(overshoot)
        t -= overshoot
    conv.updated_at = t
    return conv, b, list(scenario.tags)


def _at_work(conv: Conversation, t: dt.datetime, rng: random.Random) -> dt.datetime:
    """Agents act while their team is open (its own opening hours, in its time zone): what
    a customer sends at night is answered the next time the team opens, as it would be, so
    no clock runs through hours nobody was there to answer."""
    cal = conv.team.calendar
    zone = ZoneInfo(cal.time_zone)
    local = t.astimezone(zone)
    for start, end in _openings(cal, zone, local.date() - dt.timedelta(days=1)):
        if end <= local:
            continue
        if start <= local:
            return t
        arrive = start + dt.timedelta(minutes=rng.randint(5, 100))
        return min(arrive, end - dt.timedelta(minutes=1)).astimezone(dt.UTC)
    return t  # a team with no opening hours at all: nobody's clock runs anyway


def _openings(cal: Any, zone: ZoneInfo, first: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The team's opening intervals over the nine days from ``first``, in order."""
    hours = getattr(cal, "_demo_hours", None)
    if hours is None:
        hours = cal._demo_hours = [(h.weekday, h.opens, h.closes) for h in cal.hours.all()]
    spans = []
    for n in range(9):
        day = first + dt.timedelta(days=n)
        for weekday, opens, closes in hours:
            if weekday != day.weekday():
                continue
            start = dt.datetime.combine(day, opens, tzinfo=zone)
            end_day = day + dt.timedelta(days=1) if closes <= opens else day
            spans.append((start, dt.datetime.combine(end_day, closes, tzinfo=zone)))
    return sorted(spans)


def _story(rng, conv, b, text, agent, people, status, t):  # type: ignore[no-untyped-def]
    # Urgent requests are picked up first; nothing waits past its resolution target.
    soonest = {Priority.URGENT: 40, Priority.HIGH: 120, Priority.NORMAL: 240}
    wait = rng.randint(4, soonest.get(conv.priority, 300))
    t = _at_work(conv, t + dt.timedelta(minutes=wait), rng)
    b.act("assigned", agent, t, to=agent.pk, to_name=str(agent))
    conv.assignee = agent
    if text["note"] and (status == Status.ON_HOLD or rng.random() < 0.6):
        colleague = rng.choice(people)
        b.message(MessageKind.NOTE, t, text["note"], author=colleague)
        b.act("note_added", colleague, t)
        t = _at_work(conv, t + dt.timedelta(minutes=rng.randint(2, 40)), rng)
    if status == Status.OPEN and rng.random() < 0.4:
        b.act("status_changed", agent, t, **{"from": "new", "to": "open"})
        conv.status = Status.OPEN
        return t  # taken, being looked into, not answered yet
    b.message(MessageKind.REPLY, t, text["reply"], author=agent, delivery_status="sent")
    b.act("replied", agent, t)
    conv.first_response_at = conv.first_response_at or t
    b.act("status_changed", agent, t, **{"from": "new", "to": "pending"})
    current = Status.PENDING
    if status == Status.PENDING:
        conv.status = current
        return t
    if text["follow_up"]:
        t += dt.timedelta(hours=rng.uniform(1, 30))
        b.message(MessageKind.CUSTOMER, t, text["follow_up"], contact=conv.contact)
        b.act("customer_wrote", None, t)
        conv.last_customer_message_at = t
        current = Status.OPEN
        if status == Status.OPEN:
            conv.status = current
            return t
        if text["closing"]:
            t = _at_work(conv, t + dt.timedelta(minutes=rng.randint(10, 60 * 3)), rng)
            b.message(MessageKind.REPLY, t, text["closing"], author=agent, delivery_status="sent")
            b.act("replied", agent, t)
    if status == Status.ON_HOLD:
        b.message(
            MessageKind.NOTE,
            t,
            "Parked until we hear back from the specialist team.",
            author=agent,
        )
        b.act("note_added", agent, t)
    t = _at_work(conv, t + dt.timedelta(minutes=rng.randint(1, 90)), rng)
    b.act("status_changed", agent, t, **{"from": current, "to": status})
    if status in (Status.SOLVED, Status.CLOSED):
        conv.solved_at = t
    conv.status = status
    return t


@transaction.atomic
def load_desk_demo() -> dict[str, int]:
    if ContactEmail.objects.filter(address__endswith=f"@{DOMAIN}").exists():
        return {"conversations": Conversation.objects.count(), "contacts": Contact.objects.count()}
    named = Team.objects.filter(name__in=[CARE, ORDERS, TECH]).select_related("calendar")
    teams = {t.name: t for t in named}
    if len(teams) < 3:
        from servewell.people.demo import load_people_demo

        load_people_demo()
        teams = {t.name: t for t in named.all()}
    rng = random.Random(2026)  # noqa: S311 - demo data, reproducible
    now = timezone.now()
    people = {name: _people(team) for name, team in teams.items()}
    contacts = _contacts(rng, 140)
    built = []
    for _ in range(CONVERSATIONS):
        scenario = rng.choice(SCENARIOS)
        # Regulars: a third of the requests come from a few returning customers.
        contact = rng.choice(contacts[:25] if rng.random() < 0.33 else contacts)
        built.append(
            _build(rng, scenario, teams[scenario.team], contact, people[scenario.team], now)
        )
    built += _manager_year(rng, teams[CARE], contacts, people[CARE], now)
    built.sort(key=lambda item: item[0].created_at)
    _save(built, rng, people)
    _settings_macros_views(teams)
    search.reindex_all()
    return {"conversations": len(built), "contacts": len(contacts)}


def _manager_year(
    rng: random.Random, team: Team, contacts: list[Contact], people: list[User], now: dt.datetime
) -> list:
    """The manager answers customers too, and is reviewed like everyone: three of her
    conversations in each of the four quarters before the desk's recent days."""
    maria = next((p for p in people if p.username == "maria"), None)
    if maria is None:
        return []
    care = [s for s in SCENARIOS if s.team == CARE]
    built = []
    for n in range(12):
        day = (now - dt.timedelta(days=DAYS + 8 + n * 25)).date()
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        created = dt.datetime.combine(day, dt.time(10 + n % 5), tzinfo=dt.UTC)
        built.append(
            _build(rng, rng.choice(care), team, rng.choice(contacts), people, now, created, maria)
        )
    return built


def _save(built: list, rng: random.Random, people: dict[str, list[User]]) -> None:
    tags: dict[str, Tag] = {}
    for conv, b, tag_names in built:
        conv.version = b.version
        conv.save()
        for m in b.messages:
            m.conversation = conv
        Message.objects.bulk_create(b.messages)
        Activity.objects.bulk_create(
            [
                Activity(conversation=conv, verb=verb, actor=actor, at=at, data=data)
                for verb, actor, at, data in b.activities
            ]
        )
        for name in tag_names:
            if name not in tags:
                tags[name] = Tag.objects.get_or_create(name=name)[0]
        conv.tags.set([tags[n] for n in tag_names])
        team_people = people.get(conv.team.name) or []
        if conv.status in OPEN_STATUSES and team_people and rng.random() < 0.2:
            conv.followers.add(rng.choice(team_people))


def _settings_macros_views(teams: dict[str, Team]) -> None:
    for name, team in teams.items():
        DeskTeamSettings.objects.update_or_create(
            team=team,
            defaults={"round_robin": name == CARE, "public_form": name in (CARE, ORDERS)},
        )
    for name, body, team_name, set_status, add_tags in MACROS:
        Macro.objects.get_or_create(
            name=name,
            defaults={
                "body": body,
                "team": teams.get(team_name) if team_name else None,
                "set_status": set_status,
                "add_tags": add_tags,
            },
        )
    aisha = User.objects.filter(username="aisha").first()
    if aisha:
        SavedView.objects.get_or_create(
            user=aisha, name="Open chats", defaults={"filters": {"view": "open", "channel": "chat"}}
        )
    lead = Membership.objects.filter(team=teams[CARE], is_lead=True).select_related("user").first()
    if lead:
        SavedView.objects.get_or_create(
            user=lead.user,
            name="Complaints",
            defaults={"filters": {"view": "open", "tag": "complaint"}},
        )
