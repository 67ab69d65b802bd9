"""The cascade drawn as a picture: a server-rendered SVG, one row per generation.

No script and no inline style (the CSP is strict): shapes carry classes that
``academy/academy.css`` styles. Each person is a link to their own subtree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import escape

from servewell.academy import cascade
from servewell.academy.models import Endorsement
from servewell.people.models import User

MAX_EDGES = 400
NODE_W, NODE_H, GAP_X, GAP_Y = 130, 34, 14, 60


@dataclass
class Drawing:
    svg: str
    people: int
    generations: int
    truncated: bool


def draw(root: User) -> Drawing:
    edges = cascade.subtree_edges(root.pk, limit=MAX_EDGES + 1)
    truncated = len(edges) > MAX_EDGES
    edges = edges[:MAX_EDGES]
    depth = {root.pk: 0}
    children: dict[int, list[int]] = defaultdict(list)
    for trainer, trainee in edges:  # nearest generations first: parents are placed
        if trainer in depth and trainee not in depth:
            depth[trainee] = depth[trainer] + 1
            children[trainer].append(trainee)
    rows: dict[int, list[int]] = defaultdict(list)
    _order(root.pk, children, depth, rows)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=depth)}
    trainers = set(Endorsement.objects.filter(trainee__in=depth).values_list("trainee", flat=True))
    trainers.add(root.pk)
    return Drawing(
        svg=_svg(rows, edges, depth, names, trainers),
        people=len(depth) - 1,
        generations=max(depth.values()),
        truncated=truncated,
    )


def _order(node: int, children, depth, rows) -> None:
    """Depth-first, so each family sits together in its row."""
    stack = [node]
    while stack:
        current = stack.pop()
        rows[depth[current]].append(current)
        stack.extend(reversed(children.get(current, [])))


def _svg(rows, edges, depth, names, trainers) -> str:
    width = max(len(r) for r in rows.values()) * (NODE_W + GAP_X) + GAP_X
    height = len(rows) * (NODE_H + GAP_Y) + GAP_Y // 2
    pos: dict[int, tuple[float, float]] = {}
    for level, members in rows.items():
        span = len(members) * (NODE_W + GAP_X) - GAP_X
        left = (width - span) / 2
        for i, person in enumerate(members):
            pos[person] = (left + i * (NODE_W + GAP_X), GAP_Y / 4 + level * (NODE_H + GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cascade-tree" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}">',
        "<title>Cascade: who trained whom</title>",
    ]
    for trainer, trainee in edges:
        if trainer in pos and trainee in pos:
            (x1, y1), (x2, y2) = pos[trainer], pos[trainee]
            parts.append(
                f'<line class="cascade-edge" x1="{x1 + NODE_W / 2:.0f}" y1="{y1 + NODE_H:.0f}" '
                f'x2="{x2 + NODE_W / 2:.0f}" y2="{y2:.0f}"/>'
            )
    for person, (x, y) in pos.items():
        kind = "cascade-node trainer" if person in trainers else "cascade-node"
        label = escape(names.get(person, "?"))
        short = escape(_short(names.get(person, "?")))
        href = reverse("academy-cascade") + f"?root={person}"
        parts.append(
            f'<a href="{href}" class="{kind}" data-generation="{depth[person]}">'
            f"<title>{label} · generation {depth[person]}</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<text x="{x + NODE_W / 2:.0f}" y="{y + NODE_H / 2 + 5:.0f}">{short}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(name: str) -> str:
    return name if len(name) <= 18 else name[:17] + "…"
