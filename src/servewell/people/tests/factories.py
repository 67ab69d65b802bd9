"""Factories and named people for tests: alice and bob are agents in different teams.

factory_boy factories build every row the way production does (teams through
``teams.create_team``, with their calendar and slug); the ``make_*`` functions are the
short spellings most tests use and build through the factories.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import factory

from servewell.people import teams
from servewell.people.models import Membership, RoleGrant, Team, User

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    """A team opened by ``teams.create_team``; a name already taken returns that team."""

    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")

    @classmethod
    def _create(cls, model_class: type[Team], *args: Any, **kwargs: Any) -> Team:
        existing = model_class.objects.filter(name=kwargs["name"]).first()
        return existing or teams.create_team(None, **kwargs)


class PersonFactory(factory.django.DjangoModelFactory):
    """A person with a password, ``roles`` and, with ``team``, a membership
    (``team__lead=True`` makes them its lead). A taken username returns that person."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Iterable[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            RoleGrant.objects.bulk_create([RoleGrant(user=self, role=r) for r in extracted])
        self.save()

    @factory.post_generation
    def team(self, create: bool, extracted: Team | None, lead: bool = False) -> None:
        if create and extracted is not None:
            Membership.objects.get_or_create(team=extracted, user=self, defaults={"is_lead": lead})


#: The name earlier tests used.
UserFactory = PersonFactory


def make_team(name: str, **kwargs: Any) -> Team:
    return TeamFactory(name=name, **kwargs)


def make_person(
    username: str,
    roles: Iterable[str] = (),
    *,
    team: Team | None = None,
    lead: bool = False,
    **kwargs: Any,
) -> User:
    return PersonFactory(username=username, roles=list(roles), team=team, team__lead=lead, **kwargs)
