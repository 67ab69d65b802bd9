import importlib

import pytest
from django.db import DatabaseError, connection, transaction

from servewell.core.models import AuditEntry
from servewell.people import directory

audit_migration = importlib.import_module("servewell.core.migrations.0003_audit_append_only")


def test_changes_are_recorded_with_who_before_and_after(adam, alice):
    directory.update_person(adam, alice, display_name="Alice A.", roles=["agent", "qa"])
    entry = AuditEntry.objects.get(action="person.updated")
    assert entry.actor == adam
    assert entry.before == {"display_name": "Alice", "roles": ["agent"]}
    assert entry.after == {"display_name": "Alice A.", "roles": ["agent", "qa"]}


def test_the_audit_log_cannot_be_edited_or_deleted_through_the_orm(adam, alice):
    directory.update_person(adam, alice, display_name="Changed")
    entry = AuditEntry.objects.get(action="person.updated")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_database_refuses_to_rewrite_audit_history(adam):
    """The triggers of migration 0003, installed inside this test's transaction."""
    directory.create_person(adam, username="zed", email="zed@example.org")
    with connection.cursor() as cursor:
        editor = type("Editor", (), {"connection": connection, "execute": cursor.execute})
        audit_migration.install(editor)
    table = AuditEntry._meta.db_table
    for sql in (f"UPDATE {table} SET action = 'forged'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEntry.objects.filter(action="person.created").count() == 1


def test_admins_and_managers_read_the_audit_log_page(client_as, adam, maria, alice):
    directory.update_person(adam, alice, display_name="Alice Audited")
    for user in (adam, maria):
        page = client_as(user).get("/admin-tools/audit/?action=person.")
        assert page.status_code == 200
        assert "Alice Audited" in page.content.decode()
