"""A queryset compiled once answers as the ORM would, for every value, without compiling
again; rows Django would convert (on SQLite, datetimes) come back converted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models.sql.compiler import SQLCompiler

from servewell.core.compiled import CompiledModels, CompiledQuery
from servewell.people.models import User

pytestmark = pytest.mark.django_db

BY_ID = CompiledQuery(
    lambda pk: User.objects.filter(pk=pk, is_active=True).order_by().values_list("id", "username")
)


@pytest.fixture
def compiles(monkeypatch):
    """How many times Django's SQL compiler wrote a SELECT."""
    counted = []
    original = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        counted.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    return counted


def test_rows_match_the_orm_for_each_value_and_compile_once(compiles, django_assert_num_queries):
    ada = User.objects.create_user("ada", password="x")  # noqa: S106
    bob = User.objects.create_user("bob", password="x")  # noqa: S106
    cy = User.objects.create_user("cy", password="x", is_active=False)  # noqa: S106
    assert BY_ID.rows(ada.pk) == [(ada.pk, "ada")]
    compiles.clear()
    with django_assert_num_queries(1):
        assert BY_ID.rows(bob.pk) == [(bob.pk, "bob")]
    assert BY_ID.rows(cy.pk) == []  # the filter still holds
    assert BY_ID.rows(10**12) == []
    assert compiles == []
    bob.username = "robert"
    bob.save()
    assert BY_ID.rows(bob.pk) == [(bob.pk, "robert")]  # rows are read, never kept


def test_rows_of_columns_django_converts_come_back_as_the_orm_gives_them():
    ada = User.objects.create_user("ada", password="x")  # noqa: S106
    joined = CompiledQuery(lambda pk: User.objects.filter(pk=pk).values_list("date_joined"))
    first = joined.rows(ada.pk)
    second = joined.rows(ada.pk)
    assert isinstance(first[0][0], dt.datetime) and first[0][0].tzinfo is not None
    assert first == second == [(ada.date_joined,)]


def test_instances_match_the_orm_with_related_rows_and_prefetches(
    compiles, django_assert_num_queries, care, alice
):
    from servewell.desk.models import Message
    from servewell.desk.tests.factories import make_conversation

    conversation = make_conversation(care)
    other = make_conversation(care)
    thread = CompiledModels(
        lambda pk: (
            Message.objects.filter(conversation_id=pk, kind__in=("customer", "reply"))
            .select_related("author", "contact")
            .prefetch_related("attachments")
            .order_by("created_at", "id")
        )
    )

    def orm(pk):
        return list(
            Message.objects.filter(conversation_id=pk, kind__in=("customer", "reply"))
            .select_related("author", "contact")
            .order_by("created_at", "id")
        )

    assert thread.fetch(conversation.pk) == orm(conversation.pk) != []
    compiles.clear()
    with django_assert_num_queries(2):  # the rows, and the prefetch of their attachments
        found = thread.fetch(other.pk)
    assert compiles == [Message.attachments.rel.related_model]  # the prefetch only
    assert found == orm(other.pk)
    first = found[0]
    customer = other.contact.name
    with django_assert_num_queries(0):  # what select_related and the prefetch read
        assert first.contact.name == customer
        assert list(first.attachments.all()) == []
    assert first.created_at.tzinfo is not None  # converted as the ORM does (SQLite)
    assert thread.fetch(10**12) == []


def test_a_value_a_lookup_changes_is_read_through_the_orm(compiles):
    ada = User.objects.create_user("ada", password="x")  # noqa: S106
    User.objects.create_user("adam", password="x")  # noqa: S106
    named = CompiledModels(lambda part: User.objects.filter(username__contains=part))
    assert [u.username for u in named.fetch("ada")] == ["ada", "adam"]
    compiles.clear()
    assert named.first("adam").username == "adam"
    assert compiles  # compiled each time: "%adam%" is not the value given
    assert named.first("zed") is None
    assert ada.pk


BY_IDS = CompiledModels(lambda *ids: User.objects.filter(id__in=ids).order_by("username"))


def test_a_list_of_ids_is_compiled_once_for_each_length_and_answers_for_each(compiles):
    ada, bob, cy = (User.objects.create_user(n, password="x") for n in ("ada", "bob", "cy"))  # noqa: S106
    assert BY_IDS.fetch(ada.pk) == [ada]
    assert BY_IDS.fetch(cy.pk, ada.pk, bob.pk) == [ada, bob, cy]  # a new length: its own SQL
    assert BY_IDS.fetch(bob.pk, 10**12) == [bob]
    compiles.clear()
    assert BY_IDS.fetch(cy.pk) == [cy]
    assert BY_IDS.fetch(bob.pk, cy.pk, 10**12) == [bob, cy]
    assert compiles == []
    many = [ada.pk] + [10**12 + n for n in range(150)]  # more than it compiles for: the ORM
    assert BY_IDS.fetch(*many) == [ada]
