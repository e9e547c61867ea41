"""The one family of errors services raise.

Each subclass has a stable English ``code`` (clients switch on it), an HTTP status for the
API and a translatable message for people. The DRF exception handler and the page views
both read these attributes, so a new error needs no other wiring.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        self.message = str(message or self.default_message)
        self.details = details or {}
        super().__init__(self.message)


class InvalidInput(ServiceError):
    code = "invalid"
    status = 400
    default_message = _("Invalid input.")


class Busy(ServiceError):
    """A row we need is locked by another request for longer than the lock timeout."""

    code = "busy"
    status = 503
    default_message = _("The shop is busy right now, please try again in a moment.")


class IdempotencyConflict(ServiceError):
    code = "idempotency_conflict"
    status = 409
    default_message = _("This Idempotency-Key was already used with a different request.")
