"""The SQLite search index gains the conversation's team as a column of its own.

Why: a search by an agent who sees a few of many teams had to visit every team's matches
to find the newest of theirs (80 teams and a million conversations: over 100 ms of CPU a
search). With the team in the index, FTS5 intersects the words' matches with the team's.
The documents are copied over as they are, each with its team read from the
conversation; PostgreSQL's search table has carried the team from the start.
"""

from django.db import migrations

from servewell.core.migrating import per_engine

TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"

FORWARDS = [
    f"CREATE VIRTUAL TABLE desk_conversation_fts_next USING fts5(subject, body, team, {TOKENIZE})",
    """INSERT INTO desk_conversation_fts_next(rowid, subject, body, team)
       SELECT f.rowid, f.subject, f.body, 't' || c.team_id
       FROM desk_conversation_fts f JOIN desk_conversation c ON c.id = f.rowid""",
    "DROP TABLE desk_conversation_fts",
    "ALTER TABLE desk_conversation_fts_next RENAME TO desk_conversation_fts",
]
BACKWARDS = [
    f"CREATE VIRTUAL TABLE desk_conversation_fts_prev USING fts5(subject, body, {TOKENIZE})",
    """INSERT INTO desk_conversation_fts_prev(rowid, subject, body)
       SELECT rowid, subject, body FROM desk_conversation_fts""",
    "DROP TABLE desk_conversation_fts",
    "ALTER TABLE desk_conversation_fts_prev RENAME TO desk_conversation_fts",
]


class Migration(migrations.Migration):
    dependencies = [("desk", "0009_conversation_open_age_indexes")]
    operations = [per_engine({"sqlite": FORWARDS}, {"sqlite": BACKWARDS})]
