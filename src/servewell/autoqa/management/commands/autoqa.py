"""``servewell autoqa score FILE.jsonl [--labels]`` and ``servewell autoqa rescore``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from servewell.autoqa import devset, engine, scoring
from servewell.desk.models import Conversation, Status


class Command(BaseCommand):
    help = "Auto-QA: score a JSON-lines file (stores nothing), or rescore stored conversations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        score = sub.add_parser("score", help="Score conversations given as JSON lines.")
        score.add_argument("file", help="A .jsonl file, or - for standard input.")
        score.add_argument("--labels", action="store_true", help="Compare with each line's labels.")
        score.add_argument("--scorer", default="rules", help="rules (default) or embeddings.")
        rescore = sub.add_parser("rescore", help="Score stored solved conversations in batches.")
        rescore.add_argument("--team", type=int, help="Only this team (id).")
        rescore.add_argument("--since", help="Only conversations solved since this ISO date.")
        rescore.add_argument("--scorer", default="rules", help="rules (default) or embeddings.")
        rescore.add_argument("--batch", type=int, default=scoring.BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "score":
            self.score_file(options)
        else:
            self.rescore(options)

    def _chain(self, name: str) -> list:
        try:
            return [] if name == "rules" else [engine.get_scorer(name)]
        except (KeyError, RuntimeError) as exc:
            raise CommandError(str(exc)) from None

    def score_file(self, options: dict[str, Any]) -> None:
        chain = self._chain(options["scorer"])
        try:
            fh = (
                sys.stdin
                if options["file"] == "-"
                else open(options["file"], encoding="utf-8", errors="replace")  # noqa: SIM115
            )
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from None
        results = []
        with fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except ValueError:
                    data = None
                if not isinstance(data, dict):
                    out = {
                        "id": None,
                        "line": n,
                        "language": None,
                        "abstained": "not scored: not a JSON object",
                        "criteria": {},
                    }
                else:
                    out = engine.score(devset.unlabelled(data), chain)
                    if options["labels"] and isinstance(data.get("labels"), dict):
                        results.append((data["labels"], out))
                self.stdout.write(json.dumps(out, ensure_ascii=False))
        if options["labels"]:
            self._report(results)

    def _report(self, results: list) -> None:
        found = devset.compare(results)
        for key, a in found.items():
            kappa = "—" if a.kappa is None else f"{a.kappa:.3f}"
            percent = "—" if a.percent is None else f"{a.percent:.1f} %"
            self.stderr.write(f"{key:16} kappa {kappa:>6}  accuracy {percent:>8}  pairs {a.pairs}")

    def rescore(self, options: dict[str, Any]) -> None:
        self._chain(options["scorer"])
        qs = Conversation.objects.filter(
            status__in=(Status.SOLVED, Status.CLOSED), merged_into__isnull=True
        )
        if options["team"]:
            qs = qs.filter(team_id=options["team"])
        if options["since"]:
            try:
                since = datetime.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since takes an ISO date, e.g. 2026-01-31.") from None
            if timezone.is_naive(since):
                since = since.replace(tzinfo=UTC)
            qs = qs.filter(solved_at__gte=since)
        with tqdm(total=qs.count(), unit="conv", desc="autoqa rescore", file=sys.stderr) as bar:
            n = scoring.rescore(
                qs,
                now=timezone.now(),
                scorer=options["scorer"],
                batch=max(1, options["batch"]),
                progress=bar.update,
            )
        self.stdout.write(f"{n} conversations scored.")
