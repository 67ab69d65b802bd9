"""A search within a team reads its matches from indexes alone.

Why: on PostgreSQL the newest matches of a common word were found by the GIN index and
then every one of them was read from the table, one page each (a team's conversations
lie scattered among a million): for a word in 40 % of the documents, 5,000 pages and
about 110 ms of the database a search. A btree of the team and the conversation holding
the document lets the team's newest documents be read in order from a few index pages
and the word be checked there (7 ms); the GIN index still answers rare words. On both
engines the contacts a team has served come from an index of (team, contact) instead
of every conversation row of the team (40 -> 14 ms a contact search on PostgreSQL).
"""

from django.db import migrations, models

from servewell.core.migrating import per_engine


class Migration(migrations.Migration):
    dependencies = [("desk", "0013_postgres_search_team_lexeme")]
    operations = [
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["team", "contact"], name="conv_team_contact"),
        ),
        per_engine(
            {
                "postgresql": [
                    """CREATE INDEX desk_conversation_search_team_recent
                         ON desk_conversation_search (team_id, conversation_id)
                         INCLUDE (document)"""
                ]
            },
            {"postgresql": ["DROP INDEX IF EXISTS desk_conversation_search_team_recent"]},
        ),
    ]
