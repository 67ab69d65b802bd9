"""Reports read from a replica when ``DATABASE_REPLICA_URL`` is set.

Settings add the alias ``replica`` only when the variable is set; without it every
read goes to the default database. Insights' report reads name ``reports_db()``
explicitly, and the router sends any other read of insights' own tables there too and
every write to the primary: a replica is read-only, and a dashboard a few seconds
behind the primary is fine.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

REPLICA = "replica"


def reports_db() -> str:
    return REPLICA if REPLICA in settings.DATABASES else "default"


class ReportsRouter:
    """Reads of insights' tables go to the replica (if any); writes to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return reports_db() if model._meta.app_label == "insights" else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default" if model._meta.app_label == "insights" else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
