"""Shared fixtures: two teams and a named person for every role."""

from __future__ import annotations

import pytest

from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def care(db):
    return make_team("Care", email="care@example.org")


@pytest.fixture
def orders(db):
    return make_team("Orders", email="orders@example.org")


@pytest.fixture
def alice(care):
    """An agent in Care."""
    return make_person("alice", [Role.AGENT], team=care)


@pytest.fixture
def bob(orders):
    """An agent in Orders."""
    return make_person("bob", [Role.AGENT], team=orders)


@pytest.fixture
def lena(care):
    """The lead of Care."""
    return make_person("lena", [Role.LEAD, Role.AGENT], team=care, lead=True)


@pytest.fixture
def maria(db):
    """A manager."""
    return make_person("maria", [Role.MANAGER])


@pytest.fixture
def quinn(db):
    """A QA reviewer."""
    return make_person("quinn", [Role.QA])


@pytest.fixture
def tara(db):
    """A trainer."""
    return make_person("tara", [Role.TRAINER])


@pytest.fixture
def adam(db):
    """An administrator."""
    return make_person("adam", [Role.ADMIN])


@pytest.fixture
def client_as(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api():
    """``api(user)``: a DRF test client authenticated as ``user``."""
    from rest_framework.test import APIClient

    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Business calendars and reference lists (``core.refcache``) are kept per process
    for speed; a test's rolled-back team can share its id with the next test's, so every
    test starts with none kept."""
    from servewell.commitments import calendars
    from servewell.core import refcache

    calendars.forget()
    refcache.forget()
    yield
    calendars.forget()
    refcache.forget()
