"""The demo organisation that ``make run`` loads: teams, calendars and people in every role.

Idempotent: running it twice changes nothing. Later capabilities add their own demo data
through ``servewell demo``'s loaders.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from servewell.people import directory, teams
from servewell.people.models import Presence, Role, Team, User

DEMO_PASSWORD = "care-first-2026"  # noqa: S105 - printed to the user by `servewell demo`

TEAMS = [
    (
        "Customer Care",
        "care@servewell.localhost",
        "Europe/London",
        "GB",
        "First line for every question: orders, accounts, advice.",
    ),
    (
        "Orders & Returns",
        "orders@servewell.localhost",
        "Europe/Berlin",
        "DE",
        "Deliveries, returns, refunds and exchanges.",
    ),
    (
        "Technical Support",
        "tech@servewell.localhost",
        "America/New_York",
        "US",
        "Devices, apps and the hard cases, with an evening shift.",
    ),
]

# username, name, roles, teams (name, is_lead), presence
PEOPLE = [
    ("admin", "Ada Admin", [Role.ADMIN], [], Presence.AVAILABLE),
    (
        "maria",
        "Maria Manager",
        [Role.MANAGER, Role.AGENT],
        [("Customer Care", False)],
        Presence.AVAILABLE,
    ),
    ("liam", "Liam Lead", [Role.LEAD, Role.AGENT], [("Customer Care", True)], Presence.BUSY),
    (
        "lena",
        "Lena Lindqvist",
        [Role.LEAD, Role.AGENT],
        [("Orders & Returns", True)],
        Presence.AVAILABLE,
    ),
    ("tom", "Tomás Ortega", [Role.LEAD, Role.AGENT], [("Technical Support", True)], Presence.AWAY),
    ("quinn", "Quinn Reviewer", [Role.QA], [], Presence.AVAILABLE),
    (
        "tara",
        "Tara Trainer",
        [Role.TRAINER, Role.AGENT],
        [("Customer Care", False)],
        Presence.OFFLINE,
    ),
]
AGENT_NAMES = [
    "Aisha Bello",
    "Ben Carter",
    "Chloé Dubois",
    "Dev Patel",
    "Elif Yılmaz",
    "Finn Murphy",
    "Grace Kim",
    "Hugo Silva",
    "Ines Moreau",
    "Jonas Weber",
    "Kofi Mensah",
    "Lucía García",
    "Mei Chen",
    "Noah Schmidt",
    "Olga Ivanova",
    "Priya Nair",
    "Rami Haddad",
    "Sofia Rossi",
]


@transaction.atomic
def load_people_demo() -> dict[str, int]:
    if User.objects.filter(username="admin").exists():
        return {"people": User.objects.count(), "teams": Team.objects.count()}
    by_name = {}
    for name, email, tz, country, description in TEAMS:
        team = teams.create_team(
            None,
            name=name,
            email=email,
            time_zone=tz,
            holiday_country=country,
            description=description,
        )
        by_name[name] = team
    tech = by_name["Technical Support"]
    teams.set_calendar(
        None,
        tech,
        hours=[(d, dt.time(8), dt.time(23)) for d in range(5)] + [(5, dt.time(10), dt.time(16))],
    )
    teams.add_closed_day(
        None, by_name["Customer Care"], date=dt.date(2026, 12, 24), reason="Christmas Eve: team day"
    )
    people = list(PEOPLE)
    team_names = list(by_name)
    for i, full in enumerate(AGENT_NAMES):
        username = full.split()[0].lower().replace("é", "e").replace("í", "i")
        presence = [Presence.AVAILABLE, Presence.BUSY, Presence.AWAY, Presence.OFFLINE][i % 4]
        people.append((username, full, [Role.AGENT], [(team_names[i % 3], False)], presence))
    for username, full, roles, memberships, presence in people:
        person = directory.create_person(
            None,
            username=username,
            email=f"{username}@servewell.localhost",
            display_name=full,
            roles=roles,
            password=DEMO_PASSWORD,
        )
        if username == "admin":
            person.is_staff = person.is_superuser = True
            person.save(update_fields=["is_staff", "is_superuser"])
        User.objects.filter(pk=person.pk).update(presence=presence)
        for team_name, is_lead in memberships:
            teams.add_member(None, by_name[team_name], person, is_lead=is_lead)
    return {"people": User.objects.count(), "teams": Team.objects.count()}
