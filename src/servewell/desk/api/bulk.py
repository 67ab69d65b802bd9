"""Bulk actions over conversations: the inbox's bulk bar, for scripts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.desk import bulk
from servewell.desk.access import DESK_WORK
from servewell.desk.api.helpers import valid
from servewell.desk.api.serializers import BulkIn, BulkOut


class BulkView(APIView):
    access = DESK_WORK

    @extend_schema(
        request=BulkIn,
        responses={200: BulkOut},
        description="Assign, set status or priority, add or remove a tag, or merge into one "
        "of them, for up to 100 conversations. Each goes through the same checks as one "
        "changed on its own (scope, expected_version, history, audit); one that cannot be "
        "changed is skipped with its reason while the rest go ahead. 400 only when the "
        "request itself is wrong (unknown action or value, too many conversations).",
    )
    def post(self, request: Request) -> Response:
        data = valid(BulkIn, request.data)
        items = [bulk.Item(i["id"], i.get("expected_version")) for i in data["conversations"]]
        result = bulk.apply(request.user, items, action=data["action"], value=data["value"])
        return Response(BulkOut(result.as_dict()).data)
