"""PostgreSQL's search documents carry the conversation's team as a lexeme of their own.

Why: the GIN index found every team's matches of a word and the heap was then read for
each to keep the agent's team's: for a common word in 100,000 conversations over 32
teams, 41,000 matches and 6,500 pages read to keep 1,300, about 40 ms of the database's
CPU a search. With the team in the document, the index intersects the word's matches
with the team's before any row is read. The lexeme, "team 30", holds a space, which no
word of a subject or a message ever yields, and it has no position, so ``ts_rank_cd``
ignores it. (SQLite's index gained the same in 0010.)
"""

from django.db import migrations

from servewell.core.migrating import per_engine

WITH_TEAM = """
  setweight(to_tsvector('english'::regconfig, subject), 'A') ||
  setweight(to_tsvector('english'::regconfig, body), 'D') ||
  CASE WHEN team_id IS NULL THEN ''::tsvector
       ELSE array_to_tsvector(ARRAY['team ' || team_id::text]) END"""
WITHOUT_TEAM = """
  setweight(to_tsvector('english'::regconfig, subject), 'A') ||
  setweight(to_tsvector('english'::regconfig, body), 'D')"""


def _document(expression: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS desk_conversation_search_doc",
        "ALTER TABLE desk_conversation_search DROP COLUMN document",
        f"""ALTER TABLE desk_conversation_search ADD COLUMN document tsvector
              GENERATED ALWAYS AS ({expression}) STORED""",
        """CREATE INDEX desk_conversation_search_doc
             ON desk_conversation_search USING gin (document)""",
    ]


class Migration(migrations.Migration):
    dependencies = [("desk", "0012_message_id_partial_indexes")]
    operations = [
        per_engine(
            {"postgresql": _document(WITH_TEAM)}, {"postgresql": _document(WITHOUT_TEAM)}
        )
    ]
