"""The exchange's refusals: each an HTTP status with the message (and, where two answers share
a status, a stable `code`) that the client sees."""

from __future__ import annotations

from collections.abc import Mapping


class ExchangeError(Exception):
    """An answer other than 200, with the message the client sees."""

    status = 500

    def __init__(
        self, message: str, *, errors: Mapping[str, str] | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})
        # A stable word for clients that must tell two answers with one status apart
        # (an unknown payment from an unknown route, both 404).
        self.code = code


class BadRequest(ExchangeError):
    status = 400


class Unauthorized(ExchangeError):
    status = 401


class NotFound(ExchangeError):
    status = 404


class Conflict(ExchangeError):
    status = 409
