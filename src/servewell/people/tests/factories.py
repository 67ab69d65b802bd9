"""Factories and named people for tests: alice and bob are agents in different teams."""

from __future__ import annotations

from collections.abc import Iterable

import factory

from servewell.people import teams
from servewell.people.models import Membership, RoleGrant, Team, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Iterable[str] | None, **kwargs):
        if create and extracted:
            RoleGrant.objects.bulk_create([RoleGrant(user=self, role=r) for r in extracted])
        self.save()


def make_team(name: str, **kwargs) -> Team:
    existing = Team.objects.filter(name=name).first()
    return existing or teams.create_team(None, name=name, **kwargs)


def make_person(
    username: str,
    roles: Iterable[str] = (),
    *,
    team: Team | None = None,
    lead: bool = False,
    **kwargs,
) -> User:
    user = UserFactory(username=username, roles=list(roles), **kwargs)
    if team is not None:
        Membership.objects.get_or_create(team=team, user=user, defaults={"is_lead": lead})
    return user
