"""Themes from clusters of similar requests, in customers' own words (the embeddings extra).

Tags only say what agents chose to tag. Clusters read what customers wrote: the first
customer message of each conversation opened in the period is embedded with the
sentence model the auto-QA scorer uses (all-MiniLM-L6-v2 from the ``embeddings`` extra,
loaded offline), the vectors are grouped with k-means (k chosen by the silhouette), and
each group is named by the phrases most typical of it (the n-grams frequent in it and
rare elsewhere), with the request nearest its centre as an example.

Bounds, so that the dashboard stays fast:

- the dashboard never computes: it reads the stored result (``ThemeRun`` and its
  ``ThemeCluster`` rows, per period and scope: teams and person). A missing or stale one
  is computed by a background job, queued by the first request that misses it (where
  jobs run inline, with no worker, nothing is queued: ``servewell insights clusters``);
- a run clusters at most ``MAX_REQUESTS`` requests per period (the latest), says so
  when it was capped, and scales its counts to the period's total for the growth;
- each conversation's vector is computed once (``RequestVector``) and reused by every
  later run, whatever its period or scope.

Growth: the period before is embedded too, and each earlier request counts for the
cluster whose centre it is nearest, when it is as near as 95 % of the cluster's members
(all of them in a cluster of under twenty).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from servewell.core.contract import FigureQuery
from servewell.core.jobs import job
from servewell.desk.models import Conversation, Message, MessageKind
from servewell.insights.filters import Filters, _at, previous_period
from servewell.insights.models import RequestVector, ThemeCluster, ThemeRun

MAX_REQUESTS = 2000  # first messages clustered per period, the latest
MAX_CHARS = 500  # of each message, embedded and searched for phrases
K_MAX = 12  # at most this many clusters are tried
MIN_SIZE = 2  # a cluster of one request is not a theme
TOP = 10  # clusters shown
STALE_AFTER = timedelta(hours=1)  # a run of a period not yet over is redone after this
RETRY_AFTER = timedelta(minutes=15)  # a queued run with no result is queued again
PHRASES = 3
EXAMPLE_CHARS = 160
NEEDS_EXTRA = (
    "Clusters of similar requests need the embeddings extra "
    "(pip install 'servewell[embeddings]'); the themes above come from tags."
)

BEING_COMPUTED = "Clusters of similar requests are being computed: reload in a minute."
NOT_COMPUTED = (
    "Clusters of similar requests for this period are not computed yet, and no job worker "
    "runs here: `servewell insights clusters` computes them."
)

_WORD = re.compile(r"[^\W\d_]{2,}")
_QUOTED = re.compile(r"^\s*>.*$", re.MULTILINE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_STOPWORDS = """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each few
    for from further get got had has have having he her here hers him his how i if in into
    is it its itself just me more most my myself no nor not now of off on once only or other
    our ours out over own please same she should so some still such than thank thanks that
    the their theirs them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours hi hello dear regards best kind cheers yes ok okay also already since via ll ve re
    don doesn didn isn wasn won can't cannot im ive"""
STOPWORDS = frozenset(_STOPWORDS.split())


def unavailable_reason() -> str:
    """Why clusters cannot be computed here ("" when they can)."""
    from servewell.autoqa.engine import embedding

    return embedding.unavailable_reason()


# --- scope and the stored result -------------------------------------------------------


def scope_of(q: FigureQuery) -> str:
    teams = "all" if q.team_ids is None else ",".join(str(t) for t in sorted(q.team_ids))
    return hashlib.sha256(f"teams={teams}|person={q.person_id or ''}".encode()).hexdigest()[:40]


@dataclass
class Clusters:
    """What the dashboard shows: ``state`` is ready, pending or unavailable."""

    state: str
    note: str = ""
    run: ThemeRun | None = None
    clusters: list[ThemeCluster] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return bool(self.run and self.run.sampled < self.run.total)


def growth(cluster: ThemeCluster, run: ThemeRun) -> float | None:
    """% change of the cluster's estimated size against the period before (counts scaled
    to each period's total where a period was capped); None when it is new."""
    now = cluster.count * (run.total / run.sampled if run.sampled else 1)
    before = cluster.previous * (
        run.previous_total / run.previous_sampled if run.previous_sampled else 1
    )
    return None if not before else (now - before) / before * 100


def _stale(run: ThemeRun, now: datetime) -> bool:
    if run.computed_at is None:
        return run.requested_at < now - RETRY_AFTER
    period_over = run.computed_at >= _at(run.end_day)
    return not period_over and run.computed_at < now - STALE_AFTER


def for_filters(filters: Filters, *, now: datetime) -> Clusters:
    """The stored clusters for these filters; queues their computation when missing or
    stale (the stale result is still shown meanwhile). Two queries when stored."""
    if unavailable_reason():
        return Clusters("unavailable", NEEDS_EXTRA)
    q = filters.query()
    scope = scope_of(q)
    run = ThemeRun.objects.filter(
        scope=scope, start_day=filters.start_day, end_day=filters.end_day
    ).first()
    inline = _jobs_run_inline()
    if (run is None or _stale(run, now)) and not inline:
        _request(filters, scope, run, now)
    if run is None or run.computed_at is None:
        return Clusters("pending", NOT_COMPUTED if inline else BEING_COMPUTED)
    clusters = list(run.clusters.all()[:TOP])
    note = ""
    if run.sampled < run.total:
        note = f"Clustered the latest {run.sampled} of {run.total} requests of the period."
    return Clusters("ready", note, run, clusters)


def _jobs_run_inline() -> bool:
    """Where no worker runs (jobs run inline, as in tests and the bench), a queued job
    would cluster inside the page's request: the dashboard then queues nothing."""
    from servewell.core.jobs import huey

    return bool(huey.immediate)


def _request(filters: Filters, scope: str, run: ThemeRun | None, now: datetime) -> None:
    if run is None:
        try:
            with transaction.atomic():
                ThemeRun.objects.create(
                    scope=scope,
                    start_day=filters.start_day,
                    end_day=filters.end_day,
                    requested_at=now,
                )
        except IntegrityError:
            return  # another request queued it a moment ago
    else:
        ThemeRun.objects.filter(pk=run.pk).update(requested_at=now)
    q = filters.query()
    compute_job.enqueue(
        filters.start_day.isoformat(),
        filters.end_day.isoformat(),
        None if q.team_ids is None else list(q.team_ids),
        q.person_id,
        filters.period,
    )


@job(retries=1)
def compute_job(
    start: str, end: str, team_ids: list[int] | None, person_id: int | None, period: str
) -> None:
    from django.utils import timezone

    compute(
        date.fromisoformat(start),
        date.fromisoformat(end),
        team_ids,
        person_id,
        period=period,
        now=timezone.now(),
    )


def cluster_url(cluster: ThemeCluster, filters: Filters) -> str:
    base = reverse("insights-cluster", args=[cluster.pk])
    return f"{base}?{urlencode(filters.as_params())}"


def cluster_for(filters: Filters, cluster_id: int) -> ThemeCluster | None:
    """The cluster, only when it belongs to the run of exactly these filters (a lead's
    link with another team's cluster id finds nothing)."""
    return (
        ThemeCluster.objects.filter(
            pk=cluster_id,
            run__scope=scope_of(filters.query()),
            run__start_day=filters.start_day,
            run__end_day=filters.end_day,
        )
        .select_related("run")
        .first()
    )


def conversations_of(cluster: ThemeCluster, q: FigureQuery) -> QuerySet[Conversation]:
    """Exactly the cluster's conversations, still within the viewer's teams."""
    rows = Conversation.objects.filter(pk__in=list(cluster.conversation_ids))
    if q.team_ids is not None:
        rows = rows.filter(team_id__in=list(q.team_ids))
    return rows.select_related("team", "assignee").order_by("-created_at", "-id")


# --- the requests -------------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join(_QUOTED.sub("", text or "").split())[:MAX_CHARS]


def requests_in(q: FigureQuery, limit: int = MAX_REQUESTS) -> tuple[list[tuple[int, str]], int]:
    """``([(conversation id, first customer message)], total)``: the latest ``limit``
    conversations opened in the period, each with its first customer message (the
    subject when it has none)."""
    conversations = Conversation.objects.filter(created_at__gte=q.start, created_at__lt=q.end)
    if q.team_ids is not None:
        conversations = conversations.filter(team_id__in=list(q.team_ids))
    if q.person_id:
        conversations = conversations.filter(assignee_id=q.person_id)
    first = (
        Message.objects.filter(conversation=OuterRef("pk"), kind=MessageKind.CUSTOMER)
        .order_by("created_at", "id")
        .values("body_text")[:1]
    )
    rows = (
        conversations.annotate(first=Subquery(first))
        .order_by("-created_at", "-id")
        .values_list("pk", "first", "subject")[:limit]
    )
    out = [(pk, _clean(body) or _clean(subject)) for pk, body, subject in rows]
    out = [(pk, text) for pk, text in out if text]
    total = conversations.count() if len(rows) >= limit else len(rows)
    return out, total


def vectors(requests: list[tuple[int, str]]) -> Any:
    """Unit vectors (numpy, one row per request), from ``RequestVector`` where known."""
    import numpy as np

    from servewell.autoqa.engine import embedding

    ids = [pk for pk, _ in requests]
    known: dict[int, Any] = {}
    for start in range(0, len(ids), 500):
        for pk, blob in RequestVector.objects.filter(
            conversation_id__in=ids[start : start + 500]
        ).values_list("conversation_id", "vector"):
            known[pk] = np.frombuffer(bytes(blob), dtype=np.float32)
    missing = [(pk, text) for pk, text in requests if pk not in known]
    if missing:
        encoded = embedding.encode([text for _, text in missing]).cpu().numpy()
        encoded = encoded.astype(np.float32)
        RequestVector.objects.bulk_create(
            [
                RequestVector(conversation_id=pk, vector=v.tobytes())
                for (pk, _), v in zip(missing, encoded, strict=True)
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        known.update({pk: v for (pk, _), v in zip(missing, encoded, strict=True)})
    if not ids:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([known[pk] for pk in ids])


# --- clustering -------------------------------------------------------------------------


def _kmeans(x: Any, k: int, rng: Any, iterations: int = 50) -> tuple[Any, Any, float]:
    """Spherical k-means with k-means++ seeding: (labels, unit centres, inertia)."""
    import numpy as np

    n = len(x)
    centres = [x[rng.integers(n)]]
    for _ in range(1, k):
        distance = np.clip(1 - np.max(x @ np.stack(centres).T, axis=1), 0, None)
        total = distance.sum()
        pick = rng.choice(n, p=distance / total) if total > 0 else rng.integers(n)
        centres.append(x[pick])
    c = np.stack(centres)
    labels = np.zeros(n, dtype=int)
    for i in range(iterations):
        new = np.argmax(x @ c.T, axis=1)
        if i and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                mean = members.sum(axis=0)
                c[j] = mean / (np.linalg.norm(mean) or 1)
    inertia = float((1 - np.sum(x * c[labels], axis=1)).sum())
    return labels, c, inertia


def _silhouette(distance: Any, labels: Any, k: int) -> float:
    import numpy as np

    n = len(labels)
    sizes = np.bincount(labels, minlength=k)
    sums = np.stack([distance[:, labels == j].sum(axis=1) for j in range(k)], axis=1)
    own = sizes[labels]
    a = np.where(own > 1, sums[np.arange(n), labels] / np.maximum(own - 1, 1), 0)
    means = sums / np.maximum(sizes, 1)
    means[np.arange(n), labels] = np.inf
    means[:, sizes == 0] = np.inf
    b = means.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-9), 0)
    return float(s.mean())


def group(x: Any, *, seed: int = 2026) -> tuple[Any, Any]:
    """``(labels, centres)``: k from 2 to ``K_MAX`` by the best mean silhouette (a few
    seeds each, the tightest kept); one group when there are too few requests."""
    import numpy as np

    n = len(x)
    if n < 2 * MIN_SIZE:
        centre = x.sum(axis=0)
        return np.zeros(n, dtype=int), (centre / (np.linalg.norm(centre) or 1))[None, :]
    rng = np.random.default_rng(seed)
    distance = np.clip(1 - x @ x.T, 0, 2)
    best: tuple[float, Any, Any] | None = None
    for k in range(2, min(K_MAX, n // MIN_SIZE) + 1):
        runs = [_kmeans(x, k, rng) for _ in range(3)]
        labels, centres, _ = min(runs, key=lambda r: r[2])
        score = _silhouette(distance, labels, k)
        if best is None or score > best[0] + 1e-9:
            best = (score, labels, centres)
    assert best is not None
    return best[1], best[2]


# --- naming -------------------------------------------------------------------------


def _phrases(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    out = set()
    for size in (1, 2, 3):
        for i in range(len(words) - size + 1):
            gram = words[i : i + size]
            if gram[0] in STOPWORDS or gram[-1] in STOPWORDS:
                continue
            out.add(" ".join(gram))
    return out


def name_groups(texts: list[str], labels: Any, k: int) -> list[list[str]]:
    """The ``PHRASES`` most typical phrases of each group: frequent among its requests
    and rare in the others (class-based TF-IDF), longer phrases first on a tie; a phrase
    that shares a word with one already chosen is skipped."""
    grams = [_phrases(t) for t in texts]
    everywhere: Counter[str] = Counter()
    for g in grams:
        everywhere.update(g)
    n = len(texts)
    names = []
    for j in range(k):
        members = [grams[i] for i in range(n) if labels[i] == j]
        inside: Counter[str] = Counter()
        for g in members:
            inside.update(g)
        need = 2 if len(members) >= 2 else 1
        scored = sorted(
            (
                (c / len(members)) * math.log(1 + n / everywhere[p]) * (1 + 0.15 * p.count(" ")),
                p,
            )
            for p, c in inside.items()
            if c >= need
        )
        chosen: list[str] = []
        used: set[str] = set()
        for _score, phrase in reversed(scored):
            words = set(phrase.split())
            if words & used:
                continue
            chosen.append(phrase)
            used |= words
            if len(chosen) == PHRASES:
                break
        names.append(chosen)
    return names


def _example(text: str) -> str:
    first = next((m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()), text)
    return first if len(first) <= EXAMPLE_CHARS else first[: EXAMPLE_CHARS - 1].rstrip() + "…"


# --- a run ------------------------------------------------------------------------------


def compute(
    start_day: date,
    end_day: date,
    team_ids: list[int] | None,
    person_id: int | None,
    *,
    period: str = "custom",
    now: datetime,
    limit: int = MAX_REQUESTS,
) -> ThemeRun:
    """Cluster the period's requests and store the result (replacing any before)."""
    import numpy as np

    q = FigureQuery(_at(start_day), _at(end_day), team_ids, person_id)
    before_start, before_end = previous_period(period, start_day, end_day)
    before = FigureQuery(_at(before_start), _at(before_end), team_ids, person_id)
    requests, total = requests_in(q, limit)
    earlier, earlier_total = requests_in(before, limit)
    found: list[dict[str, Any]] = []
    if requests:
        x = vectors(requests)
        labels, centres = group(x)
        k = len(centres)
        names = name_groups([t for _, t in requests], labels, k)
        similarity = np.sum(x * centres[labels], axis=1)
        previous = np.zeros(k, dtype=int)
        if earlier:
            y = vectors(earlier)
            nearest = y @ centres.T
            best = np.argmax(nearest, axis=1)
            for j in range(k):
                own = similarity[labels == j]
                if len(own):
                    radius = float(np.quantile(own, 0.05, method="lower"))
                    previous[j] = int(np.sum((best == j) & (nearest[:, j] >= radius)))
        for j in range(k):
            members = np.flatnonzero(labels == j)
            if len(members) < MIN_SIZE:
                continue
            centre_most = members[np.argmax(similarity[members])]
            phrases = names[j] or [_example(requests[centre_most][1])]
            found.append(
                {
                    "name": ", ".join(phrases)[:200],
                    "phrases": phrases,
                    "example": _example(requests[centre_most][1]),
                    "count": len(members),
                    "previous": int(previous[j]),
                    "conversation_ids": sorted(requests[i][0] for i in members),
                }
            )
    found.sort(key=lambda c: (-c["count"], c["name"]))
    with transaction.atomic():
        run, _ = ThemeRun.objects.update_or_create(
            scope=scope_of(q),
            start_day=start_day,
            end_day=end_day,
            defaults={
                "requested_at": now,
                "computed_at": now,
                "sampled": len(requests),
                "total": total,
                "previous_sampled": len(earlier),
                "previous_total": earlier_total,
            },
        )
        run.clusters.all().delete()
        ThemeCluster.objects.bulk_create(
            ThemeCluster(run=run, rank=rank, **c) for rank, c in enumerate(found, 1)
        )
    return run
