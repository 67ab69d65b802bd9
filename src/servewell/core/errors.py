"""Errors that domain functions raise and both front doors (forms, API) turn into 4xx."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    DUPLICATE = "duplicate"


class DomainError(Exception):
    """A refusal with a code, a message for people and, where it applies, the field."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        if self.field:
            return {self.field: [self.message], "code": self.code.value}
        return {"detail": self.message, "code": self.code.value}
