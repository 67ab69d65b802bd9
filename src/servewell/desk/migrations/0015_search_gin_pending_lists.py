"""The search indexes' pending lists kept short on PostgreSQL.

Why: a GIN index with ``fastupdate`` (PostgreSQL's default) collects new entries in a
pending list of up to 4 MB and merges them later; every search through the index reads
that whole list first. The contacts' index held 40,000 pending entries after the bench
world was loaded (and new contacts keep adding to it): finding the 2,000 contacts of a
name took 10 ms instead of 0.4. A contact's document changes rarely, so its index is
now written directly (``fastupdate = off``); the conversations' documents change with
every message, so theirs still collects entries, in a list capped at 256 kB. Both lists
are emptied now.
"""

from django.db import migrations

from servewell.core.migrating import per_engine


class Migration(migrations.Migration):
    dependencies = [("desk", "0014_search_scope_indexes")]
    operations = [
        per_engine(
            {
                "postgresql": [
                    "ALTER INDEX desk_contact_search_doc SET (fastupdate = off)",
                    "ALTER INDEX desk_conversation_search_doc SET (gin_pending_list_limit = 256)",
                    "SELECT gin_clean_pending_list('desk_contact_search_doc')",
                    "SELECT gin_clean_pending_list('desk_conversation_search_doc')",
                ]
            },
            {
                "postgresql": [
                    "ALTER INDEX desk_contact_search_doc RESET (fastupdate)",
                    "ALTER INDEX desk_conversation_search_doc RESET (gin_pending_list_limit)",
                ]
            },
        ),
    ]
