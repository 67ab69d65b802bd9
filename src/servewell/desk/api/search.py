"""Search across conversations, messages and contacts."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.core.errors import DomainError
from servewell.desk import (
    search,
)
from servewell.desk.access import (
    DESK_VIEW,
)
from servewell.desk.api.serializers import HitOut


class SearchView(APIView):
    """Full text over subjects, messages and contacts: contacts first (at most five),
    then conversations, each ranked; only within the caller's teams."""

    access = DESK_VIEW

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("limit", int, description="1 to 100, default 20."),
        ],
        responses={
            200: inline_serializer("SearchResults", {"results": HitOut(many=True)}),
        },
    )
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if not q:
            raise DomainError("invalid", "Say what to search for.", field="q")
        if len(q) > 200:
            raise DomainError("invalid", "Keep the search under 200 characters.", field="q")
        try:
            limit = int(request.query_params.get("limit", 20))
        except ValueError:
            raise DomainError("invalid", "limit is a number.", field="limit") from None
        if not 1 <= limit <= 100:
            raise DomainError("invalid", "limit is 1 to 100.", field="limit")
        hits = search.search(request.user, q, limit=limit)
        results = [
            {
                "kind": h.kind,
                "id": h.id,
                "title": str(h.title),
                "snippet": str(h.snippet),
                "score": h.score,
                "status": h.status,
                "channel": h.channel,
                "team": h.team,
                "updated_at": h.updated_at,
                "url": h.url,
            }
            for h in hits
        ]
        return Response({"results": HitOut(results, many=True).data})
