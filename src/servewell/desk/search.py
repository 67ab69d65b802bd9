"""Full-text search over conversations (subject and message texts) and contacts.

One small interface, two engines chosen by the database in use:

- SQLite: FTS5 virtual tables ``desk_conversation_fts`` / ``desk_contact_fts`` (porter
  stemming), ranked with bm25, highlighted with FTS5's ``highlight``/``snippet``. A
  conversation's team is a word of its own column (``t12``), so that a search within an
  agent's teams is narrowed by the index itself.
- PostgreSQL: tables with a generated weighted ``tsvector`` and a GIN index, ranked with
  ``ts_rank_cd``, highlighted with ``ts_headline``.

One document per conversation (rowid = conversation id), rewritten by the domain
functions whenever its subject or messages change (``index_conversation``) — never by
signals. Ranking costs about a microsecond per matching document, so a common word over a
million conversations would cost hundreds of milliseconds: we rank only the newest
``WINDOW`` in-scope matches (walking ids backwards, which both engines do from an index)
and highlight only the page we return.

Highlights are built with sentinel characters, HTML-escaped, and only then turned into
``<mark>``: nothing a customer wrote can become markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe

from servewell.contacts.models import Contact
from servewell.core.compiled import CompiledQuery
from servewell.desk.formatting import desk_url
from servewell.desk.models import Conversation, Message, MessageKind
from servewell.people.access import visible_team_ids
from servewell.people.models import User

#: How many of the newest matches are ranked. A match older than the newest WINDOW is
#: still found when fewer than WINDOW documents match (rare words): the common case.
WINDOW = 2000
#: A one-team search on PostgreSQL first reads this many of the team's newest documents
#: in order (``_Postgres.rank_conversations``): a common word has its WINDOW matches there.
PROBE = 3 * WINDOW
CONTACT_WINDOW = 500
MAX_CONTACTS = 5
MAX_MESSAGE_CHARS = 20_000
MAX_DOCUMENT_CHARS = 200_000
MAX_QUERY_TERMS = 12

_OPEN, _CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{5,}$")


@dataclass(frozen=True)
class Hit:
    kind: str  # "conversation" or "contact"
    id: int
    title: SafeString
    snippet: SafeString
    score: float
    status: str = ""
    status_label: str = ""
    channel: str = ""
    team: str = ""
    updated_at: datetime | None = None

    @property
    def url(self) -> str:
        if self.kind == "conversation":
            return desk_url(self.id)
        return desk_url(self.id, "desk-contact")


# --- Query parsing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False


def parse_query(q: str) -> list[Term]:
    """Whitespace-separated terms, each a phrase of its words; ``word*`` is a prefix.

    Only word characters survive, so no user input can reach either engine's query
    syntax (FTS5's NEAR/column filters, tsquery operators).
    """
    terms = []
    for raw in (q or "").split()[:MAX_QUERY_TERMS]:
        words = tuple(w.lower() for w in _WORD.findall(raw))
        if words:
            terms.append(Term(words, prefix=raw.endswith("*") and len(words[-1]) >= 2))
    return terms


def _fts5_query(terms: Sequence[Term]) -> str:
    return " ".join(f'"{" ".join(t.words)}"' + ("*" if t.prefix else "") for t in terms)


def _conversation_match(terms: Sequence[Term]) -> str:
    """The words are looked for in the subject and the messages, never in the team
    column, whatever they are."""
    return "{subject body} : (" + _fts5_query(terms) + ")"


def _team_token(team_id: int | None) -> str:
    """How a conversation's team is written in the SQLite index: one word, so that a
    search within a few of many teams is an intersection the index does, not a visit
    to every team's matches (see ``_Fts5.rank_conversations``)."""
    return f"t{int(team_id)}" if team_id is not None else ""


def _tsquery(terms: Sequence[Term]) -> str:
    parts = []
    for t in terms:
        words = list(t.words)
        if t.prefix:
            words[-1] += ":*"
        parts.append("(" + " <-> ".join(words) + ")" if len(words) > 1 else words[0])
    return " & ".join(parts)


def _phone_digits(q: str) -> str:
    q = q.strip()
    if _PHONE_LIKE.match(q):
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 5:
            return digits
    return ""


def _mark(text: str) -> SafeString:
    """Escape first, then turn the sentinels into <mark>: customer text stays text."""
    escaped = escape((text or "").replace("\x00", ""))
    return mark_safe(escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))  # noqa: S308


# --- Documents ---------------------------------------------------------------------------


def conversation_document(
    conversation_id: int, conversation: Conversation | None = None
) -> tuple[str, str, int] | None:
    """(subject, all message texts, team id); None for a missing or merged conversation
    (a merged one is a pointer: its messages are searched where they now are).
    ``conversation``: the row, when the caller holds it fresh (saves reading it again)."""
    if conversation is not None:
        row = (conversation.subject, conversation.team_id, conversation.merged_into_id)
    else:
        found = _DOCUMENT_ROW.rows(conversation_id)
        row = found[0] if found else None
    if row is None or row[2] is not None:
        return None
    subject, team_id, _merged = row
    return subject, document_body(_DOCUMENT_TEXTS.rows(conversation_id)), team_id


#: What a conversation's document is made of, compiled once: read after every message.
_DOCUMENT_ROW = CompiledQuery(
    lambda pk: (
        Conversation.objects.filter(pk=pk)
        .order_by()
        .values_list("subject", "team_id", "merged_into_id")[:1]
    )
)
_DOCUMENT_TEXTS = CompiledQuery(
    lambda pk: (
        Message.objects.filter(conversation_id=pk)
        .exclude(kind=MessageKind.SYSTEM)
        .order_by("created_at", "id")
        .values_list("body_text", "body_html")
    )
)


def document_body(texts: Iterable[tuple[str, str]]) -> str:
    """The searchable body of a conversation from its messages' (text, html), in order.

    Public so that a caller which has just written the messages (a batch of new mail)
    builds the document from what it holds instead of reading it back."""
    return _join_texts(text or strip_tags(html) for text, html in texts)


def _join_texts(texts: Iterable[str]) -> str:
    body, size = [], 0
    for text in texts:
        text = (text or "").strip()[:MAX_MESSAGE_CHARS]
        if not text:
            continue
        body.append(text)
        size += len(text)
        if size >= MAX_DOCUMENT_CHARS:
            break
    return "\n\n".join(body)[:MAX_DOCUMENT_CHARS]


def contact_document(
    contact: Contact, emails: Sequence[str] | None = None, phones: Sequence[str] | None = None
) -> tuple[str, str]:
    """(name, details). ``emails``/``phones`` when the caller knows them (a contact it has
    just created); otherwise they are read."""
    if emails is None:
        emails = [e.address for e in contact.emails.all()]
    if phones is None:
        phones = [p.number for p in contact.phones.all()]
    digits = [re.sub(r"\D", "", p) for p in phones]
    # Addresses also as plain words: PostgreSQL's parser keeps an address as one token,
    # while a search for "ruth.okafor@…" is parsed as the phrase of its words.
    words = [" ".join(_WORD.findall(e)) for e in emails]
    details = " ".join([contact.organisation, *emails, *words, *phones, *digits]).strip()
    return contact.name, details


# --- Index maintenance (called by the domain modules, inside their transactions) ----------


def index_conversation(conversation_id: int, conversation: Conversation | None = None) -> None:
    document = conversation_document(conversation_id, conversation)
    if document is None:
        _engine().delete("conversation", conversation_id)
    else:
        _engine().upsert("conversation", [(conversation_id, *document)])


def index_conversations(rows: Iterable[tuple[int, str, str, int]]) -> None:
    """Bulk load (id, subject, body, team id) documents: demo data, benchmarks, re-indexing.

    The team rides along in the PostgreSQL document so that a search filters by team
    without a join (a join makes the planner hash every conversation of the team when
    it misjudges how rare a word is)."""
    _engine().upsert("conversation", list(rows))


def index_live_conversations(conversations: Sequence[Conversation]) -> None:
    """``index_conversation`` for many live (unmerged) conversations their caller holds
    fresh, their messages read in one query (customers' replies filed together)."""
    texts: dict[int, list[tuple[str, str]]] = {c.pk: [] for c in conversations}
    rows = (
        Message.objects.filter(conversation_id__in=list(texts))
        .exclude(kind=MessageKind.SYSTEM)
        .order_by("conversation_id", "created_at", "id")
        .values_list("conversation_id", "body_text", "body_html")
    )
    for conversation_id, text, html in rows:
        texts[conversation_id].append((text, html))
    index_conversations(
        (c.pk, c.subject, document_body(texts[c.pk]), c.team_id) for c in conversations
    )


def index_contact(contact: Contact) -> None:
    if contact.merged_into_id:
        _engine().delete("contact", contact.pk)
    else:
        _engine().upsert("contact", [(contact.pk, *contact_document(contact))])


def index_contacts(rows: Iterable[tuple[int, str, str]]) -> None:
    _engine().upsert("contact", list(rows))


def reindex_all(batch: int = 500) -> int:
    """Rebuild every document from the rows; returns the number of conversations."""
    count = 0
    ids = list(Conversation.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        docs = [(pk, *doc) for pk in chunk if (doc := conversation_document(pk))]
        index_conversations(docs)
        count += len(docs)
    contacts = Contact.objects.filter(merged_into=None).prefetch_related("emails", "phones")
    index_contacts((c.pk, *contact_document(c)) for c in contacts.iterator(chunk_size=batch))
    return count


# --- Search ------------------------------------------------------------------------------


def search(user: User, q: str, *, limit: int = 20) -> list[Hit]:
    """Contacts (at most five) then conversations, each ranked, within the user's teams."""
    terms = parse_query(q)
    limit = max(1, min(int(limit), 100))
    phone = _phone_digits(q)
    if not terms and not phone:
        return []
    team_ids = visible_team_ids(user)
    engine = _engine()
    contact_terms = [Term((phone,), prefix=True)] if phone else terms
    contacts = _contact_hits(engine, contact_terms, team_ids, min(MAX_CONTACTS, limit))
    conversations = _conversation_hits(engine, terms, team_ids, limit - len(contacts))
    return contacts + conversations


def _conversation_hits(engine: Any, terms: list[Term], team_ids: Any, limit: int) -> list[Hit]:
    if not terms or limit <= 0:
        return []
    ranked = engine.rank_conversations(terms, team_ids, limit)
    if not ranked:
        return []
    ids = [pk for pk, _score in ranked]
    marks = engine.highlight("conversation", terms, ids)
    rows = Conversation.objects.select_related("team").in_bulk(ids)
    hits = []
    for pk, score in ranked:
        conv = rows.get(pk)
        if conv is None:
            continue
        subject, snippet = marks.get(pk, (conv.subject, ""))
        hits.append(
            Hit(
                kind="conversation",
                id=pk,
                title=_mark(subject or conv.subject),
                snippet=_mark(snippet),
                score=float(score),
                status=conv.status,
                status_label=conv.get_status_display(),
                channel=conv.get_channel_display(),
                team=conv.team.name,
                updated_at=conv.updated_at,
            )
        )
    return hits


def _contact_hits(engine: Any, terms: list[Term], team_ids: Any, limit: int) -> list[Hit]:
    if not terms or limit <= 0:
        return []
    ranked = engine.rank_contacts(terms, team_ids, limit)
    if not ranked:
        return []
    ids = [pk for pk, _score in ranked]
    marks = engine.highlight("contact", terms, ids)
    rows = (
        Contact.objects.filter(merged_into=None).prefetch_related("emails", "phones").in_bulk(ids)
    )
    hits = []
    for pk, score in ranked:
        contact = rows.get(pk)
        if contact is None:
            continue
        name, _details = marks.get(pk, (contact.name, ""))
        hits.append(
            Hit(
                kind="contact",
                id=pk,
                title=_mark(name or str(contact)),
                snippet=_contact_line(contact),
                score=float(score),
            )
        )
    return hits


# --- Engines -----------------------------------------------------------------------------


def _contact_line(contact: Contact) -> SafeString:
    """What a person reads under a contact's name: organisation, addresses and phones as
    stored — not the index's text, which repeats them as split words and bare digits."""
    parts = [
        contact.organisation,
        *(e.address for e in contact.emails.all()),
        *(p.number for p in contact.phones.all()),
    ]
    return format_html("{}", " · ".join(p for p in parts if p))


def _in(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids))


_CONTACT_SCOPE = (
    "AND EXISTS (SELECT 1 FROM desk_conversation c WHERE c.contact_id = f.rowid"
    " AND c.team_id IN ({placeholders}))"
)


class _Fts5:
    TABLES = {"conversation": "desk_conversation_fts", "contact": "desk_contact_fts"}
    COLUMNS = {"conversation": ("subject", "body"), "contact": ("name", "details")}

    def upsert(self, kind: str, rows: list[tuple]) -> None:
        if not rows:
            return
        a, b = self.COLUMNS[kind]
        if kind == "conversation":
            rows = [(*row[:3], _team_token(row[3])) for row in rows]
            columns, marks = f"rowid, {a}, {b}, team", "%s, %s, %s, %s"
        else:
            columns, marks = f"rowid, {a}, {b}", "%s, %s, %s"
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT OR REPLACE INTO {self.TABLES[kind]}({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )

    def delete(self, kind: str, pk: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.TABLES[kind]} WHERE rowid = %s", [pk])  # noqa: S608

    def rank_conversations(self, terms: list[Term], team_ids: Any, limit: int) -> list:
        match, scope, params = _conversation_match(terms), "", []
        if team_ids is not None:
            if not team_ids:
                return []
            # The index finds the teams' matches; the join still checks each one.
            match += " AND team : (" + " OR ".join(_team_token(t) for t in team_ids) + ")"
            scope, params = f"AND c.team_id IN ({_in(team_ids)})", list(team_ids)
        sql = f"""
            SELECT id, score FROM (
              SELECT f.rowid AS id, bm25(desk_conversation_fts, 4.0, 1.0, 0.0) AS score
              FROM desk_conversation_fts f JOIN desk_conversation c ON c.id = f.rowid
              WHERE desk_conversation_fts MATCH %s AND c.merged_into_id IS NULL {scope}
              ORDER BY f.rowid DESC LIMIT %s
            ) ORDER BY score, id DESC LIMIT %s"""  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [match, *params, WINDOW, limit])
            return cursor.fetchall()

    def rank_contacts(self, terms: list[Term], team_ids: Any, limit: int) -> list:
        scope, params = "", []
        if team_ids is not None:
            if not team_ids:
                return []
            scope = _CONTACT_SCOPE.format(placeholders=_in(team_ids))
            params = list(team_ids)
        sql = f"""
            SELECT id, score FROM (
              SELECT f.rowid AS id, bm25(desk_contact_fts, 3.0, 1.0) AS score
              FROM desk_contact_fts f
              WHERE desk_contact_fts MATCH %s {scope}
              ORDER BY f.rowid DESC LIMIT %s
            ) ORDER BY score, id DESC LIMIT %s"""  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [_fts5_query(terms), *params, CONTACT_WINDOW, limit])
            return cursor.fetchall()

    def highlight(self, kind: str, terms: list[Term], ids: list[int]) -> dict:
        table = self.TABLES[kind]
        sql = f"""
            SELECT rowid, highlight({table}, 0, %s, %s), snippet({table}, 1, %s, %s, '…', 24)
            FROM {table} WHERE {table} MATCH %s AND rowid IN ({_in(ids)})"""  # noqa: S608
        match = _conversation_match(terms) if kind == "conversation" else _fts5_query(terms)
        params = [_OPEN, _CLOSE, _OPEN, _CLOSE, match, *ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {pk: (title, snippet) for pk, title, snippet in cursor.fetchall()}


class _Postgres:
    TABLES = {
        "conversation": ("desk_conversation_search", "conversation_id", "subject", "body"),
        "contact": ("desk_contact_search", "contact_id", "name", "details"),
    }
    CONFIG = {"conversation": "english", "contact": "simple"}

    def upsert(self, kind: str, rows: list[tuple]) -> None:
        if not rows:
            return
        table, key, a, b = self.TABLES[kind]
        clean = [(row[0], row[1].replace("\x00", ""), row[2].replace("\x00", "")) for row in rows]
        if kind == "conversation":
            sql = (
                f"INSERT INTO {table} ({key}, {a}, {b}, team_id) VALUES (%s, %s, %s, %s) "  # noqa: S608
                f"ON CONFLICT ({key}) DO UPDATE SET {a} = EXCLUDED.{a}, {b} = EXCLUDED.{b}, "
                "team_id = EXCLUDED.team_id"
            )
            clean = [(*c, row[3]) for c, row in zip(clean, rows, strict=True)]
        else:
            sql = (
                f"INSERT INTO {table} ({key}, {a}, {b}) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT ({key}) DO UPDATE SET {a} = EXCLUDED.{a}, {b} = EXCLUDED.{b}"
            )
        with connection.cursor() as cursor:
            cursor.executemany(sql, clean)

    def delete(self, kind: str, pk: int) -> None:
        table, key, _a, _b = self.TABLES[kind]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {key} = %s", [pk])  # noqa: S608

    def rank_conversations(self, terms: list[Term], team_ids: Any, limit: int) -> list:
        match, params = "s.document @@ q", []
        if team_ids is not None:
            if not team_ids:
                return []
            # The team's lexeme (migration 0013) in the same match: the index
            # intersects the words' documents with the team's before reading a row.
            # ``numnode``: a query of stop words alone is empty, and an empty query
            # joined to the team's would match all of the team's conversations.
            # One team (most agents): ``=`` lets the (team, conversation) index holding
            # the document (migration 0014) be read newest first, stopping at WINDOW
            # matches, with no row of the table read; ``ANY`` gives up that order.
            teams = " | ".join(f"'team {int(t)}'" for t in team_ids)
            ids = list(team_ids)
            if len(ids) == 1:
                matched, best = self._probe_newest(terms, ids[0], teams, limit)
                if matched == WINDOW:
                    return best
            scope = "s.team_id = %s" if len(ids) == 1 else "s.team_id = ANY(%s)"
            match = f"numnode(q) > 0 AND s.document @@ (q && %s::tsquery) AND {scope}"
            params = [teams, ids[0] if len(ids) == 1 else ids]
        sql = f"""
            SELECT id, score FROM (
              SELECT s.conversation_id AS id,
                     ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', s.document, q) AS score
              FROM desk_conversation_search s, to_tsquery('english', %s) q
              WHERE {match}
              ORDER BY s.conversation_id DESC LIMIT %s
            ) w ORDER BY score DESC, id DESC LIMIT %s"""  # noqa: S608
        return _planned_for_values(sql, [_tsquery(terms), *params, WINDOW, limit])

    def _probe_newest(
        self, terms: list[Term], team_id: int, team: str, limit: int
    ) -> tuple[int, list]:
        """How many of the team's PROBE newest documents match, up to WINDOW (read in
        order from the (team, conversation) index), and the best ``limit`` of those
        matches by rank. PostgreSQL ranks them: sending WINDOW rows to be sorted here
        cost the web process more than the search itself.

        Why: which plan is right depends on how many documents a word matches, and
        PostgreSQL misjudges that for a prefix (``kettl:*``): with many frequent words
        in the documents it took a word found in two fifths of them for a rare one,
        and intersected the GIN index's half a million entries with the team's (50-100
        ms) where reading the team's newest documents in order found WINDOW matches in
        five thousand (11 ms). Reading at most PROBE documents bounds this for a rare
        word, which the full query then finds through the GIN index."""
        sql = """
            WITH w AS MATERIALIZED (
              SELECT s.conversation_id AS id,
                     ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', s.document, q) AS score
              FROM (SELECT conversation_id, document FROM desk_conversation_search
                    WHERE team_id = %s ORDER BY conversation_id DESC LIMIT %s) s,
                   to_tsquery('english', %s) q
              WHERE numnode(q) > 0 AND s.document @@ (q && %s::tsquery)
              ORDER BY s.conversation_id DESC LIMIT %s)
            SELECT (SELECT count(*) FROM w), id, score FROM w
            ORDER BY score DESC, id DESC LIMIT %s"""
        rows = _planned_for_values(
            sql, [team_id, PROBE, _tsquery(terms), team, WINDOW, max(limit, 1)]
        )
        return (rows[0][0] if rows else 0), [(pk, score) for _n, pk, score in rows[:limit]]

    def rank_contacts(self, terms: list[Term], team_ids: Any, limit: int) -> list:
        scope, params = "", []
        if team_ids is not None:
            if not team_ids:
                return []
            scope = (
                "AND EXISTS (SELECT 1 FROM desk_conversation c"
                " WHERE c.contact_id = s.contact_id AND c.team_id = ANY(%s))"
            )
            params = [list(team_ids)]
        sql = f"""
            SELECT id, score FROM (
              SELECT s.contact_id AS id, ts_rank_cd(s.document, q) AS score
              FROM desk_contact_search s, to_tsquery('simple', %s) q
              WHERE s.document @@ q {scope}
              ORDER BY s.contact_id DESC LIMIT %s
            ) w ORDER BY score DESC, id DESC LIMIT %s"""  # noqa: S608
        return _planned_for_values(sql, [_tsquery(terms), *params, CONTACT_WINDOW, limit])

    def highlight(self, kind: str, terms: list[Term], ids: list[int]) -> dict:
        table, key, a, b = self.TABLES[kind]
        config = self.CONFIG[kind]
        options = f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=30, MinWords=12, MaxFragments=2"
        sql = f"""
            SELECT {key}, ts_headline('{config}', {a}, q, %s),
                   ts_headline('{config}', left({b}, 50000), q, %s)
            FROM {table}, to_tsquery('{config}', %s) q
            WHERE {key} = ANY(%s)"""  # noqa: S608
        with connection.cursor() as cursor:
            title_options = f"StartSel={_OPEN}, StopSel={_CLOSE}, HighlightAll=true"
            cursor.execute(sql, [title_options, options, _tsquery(terms), list(ids)])
            rows = cursor.fetchall()
        return {pk: (title, snippet if _OPEN in snippet else "") for pk, title, snippet in rows}


def _planned_for_values(sql: str, params: list) -> list:
    """Run a search statement planned for its own words, never with a generic plan.

    Why: PostgreSQL connections prepare a statement sent twice (see the settings), and
    a prepared statement may settle on one plan made without its values. How many
    documents the words match decides the right plan (a rare word: the GIN index; a
    common one: the newest documents, read in order), and the generic plan of the
    contacts' search read all 100,000 documents newest first: 105 ms where the plan for
    the word took 12."""
    with connection.cursor() as cursor:
        raw = connection.connection
        threshold = getattr(raw, "prepare_threshold", None)
        if threshold is not None:
            raw.prepare_threshold = None  # psycopg: send it unprepared, planned each time
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            if threshold is not None:
                raw.prepare_threshold = threshold


def _engine() -> _Fts5 | _Postgres:
    if connection.vendor == "postgresql":
        return _Postgres()
    if connection.vendor == "sqlite":
        return _Fts5()
    raise NotImplementedError(f"No full-text search for {connection.vendor}.")
