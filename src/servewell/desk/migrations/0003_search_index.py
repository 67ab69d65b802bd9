"""Full-text search tables, one engine per database (see desk/search.py).

SQLite: FTS5 virtual tables, one document per conversation (subject + message texts) and
one per contact, rowid = the conversation's / contact's id. PostgreSQL: plain tables with a
generated, weighted tsvector column and a GIN index; the conversation's team rides along
so that a scoped search needs no join. Neither is a Django model: the domain
functions keep them up to date (search.index_conversation / index_contact), never signals.
"""

from django.db import migrations

from servewell.core.migrating import per_engine

SQLITE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS desk_conversation_fts USING fts5(
         subject, body, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS desk_contact_fts USING fts5(
         name, details, tokenize = 'unicode61 remove_diacritics 2')""",
]
SQLITE_REVERSE = [
    "DROP TABLE IF EXISTS desk_conversation_fts",
    "DROP TABLE IF EXISTS desk_contact_fts",
]
POSTGRES = [
    """CREATE TABLE IF NOT EXISTS desk_conversation_search (
         conversation_id bigint PRIMARY KEY,
         subject text NOT NULL DEFAULT '',
         body text NOT NULL DEFAULT '',
         team_id bigint,
         document tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('english'::regconfig, subject), 'A') ||
           setweight(to_tsvector('english'::regconfig, body), 'D')) STORED)""",
    """CREATE INDEX IF NOT EXISTS desk_conversation_search_doc
         ON desk_conversation_search USING gin (document)""",
    """CREATE TABLE IF NOT EXISTS desk_contact_search (
         contact_id bigint PRIMARY KEY,
         name text NOT NULL DEFAULT '',
         details text NOT NULL DEFAULT '',
         document tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('simple'::regconfig, name), 'A') ||
           setweight(to_tsvector('simple'::regconfig, details), 'B')) STORED)""",
    """CREATE INDEX IF NOT EXISTS desk_contact_search_doc
         ON desk_contact_search USING gin (document)""",
]
POSTGRES_REVERSE = [
    "DROP TABLE IF EXISTS desk_conversation_search",
    "DROP TABLE IF EXISTS desk_contact_search",
]


class Migration(migrations.Migration):
    dependencies = [("desk", "0002_conversation_workflow")]
    operations = [
        per_engine(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        )
    ]
