"""Shared pieces of the quality API: input parsing and the answer shapes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from servewell.core.api import validated
from servewell.quality.models import Answer, Review


def valid(serializer: type[serializers.Serializer], request: Request, **kw: Any) -> dict:
    """Validated input, or a 400 naming the fields."""
    return validated(
        serializer, request.data, partial=kw.get("partial", False), **kw.get("context", {})
    )


class AnswerIn(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1)
    value = serializers.IntegerField(allow_null=True, help_text="null: N/A")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


def answers_dict(items: list[dict]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for item in items:
        if item["criterion"] in out:
            raise serializers.ValidationError(
                {"answers": [f"Criterion {item['criterion']} is answered twice."]}
            )
        out[item["criterion"]] = {"value": item["value"], "comment": item["comment"]}
    return out


class AnswerOut(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["criterion", "value", "points", "comment", "revision"]


class ReviewOut(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = [
            "id",
            "conversation",
            "reviewee",
            "reviewer",
            "version",
            "team",
            "state",
            "is_self_review",
            "calibration",
            "score",
            "comment",
            "revision",
            "quarter",
            "created_at",
            "submitted_at",
        ]


class ReviewDetailOut(ReviewOut):
    answers = serializers.SerializerMethodField()

    class Meta(ReviewOut.Meta):
        fields = [*ReviewOut.Meta.fields, "answers"]

    def get_answers(self, review: Review) -> list[dict]:
        rows = review.answers.filter(revision=review.revision).order_by("criterion_id")
        return AnswerOut(rows, many=True).data
