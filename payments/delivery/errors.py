"""Errors of ticket delivery; each has a stable `code` and an HTTP status (see
`ticketseller.errors.ServiceError`). `NotYetValidated` (409 `not_validated`) comes from
`payments.errors`."""

from django.utils.translation import gettext_lazy as _

from payments.errors import NotYetValidated
from ticketseller.errors import ServiceError

__all__ = [
    "AlreadyCheckedIn",
    "DeliveryFailed",
    "ForgedTicketCode",
    "NotYetValidated",
    "TicketForAnotherDay",
    "TicketForAnotherEvent",
    "TicketNotReady",
    "TicketNotValid",
    "TicketRenderFailed",
    "UnknownTicket",
]


class ForgedTicketCode(ServiceError):
    """The code is malformed or its signature does not match: nobody here issued it."""

    code = "forged_ticket_code"
    status = 400
    default_message = _("This ticket code is not valid: it was not issued by us.")


class UnknownTicket(ServiceError):
    """Correctly signed, but no such purchase or ticket (e.g. the purchase was deleted)."""

    code = "unknown_ticket"
    status = 404
    default_message = _("No ticket has this code.")


class TicketNotValid(ServiceError):
    """A real ticket of a purchase that is not (or not yet) validated."""

    code = "ticket_not_valid"
    status = 409
    default_message = _("This ticket's purchase is not validated.")


class TicketForAnotherEvent(ServiceError):
    """A real ticket, but for another event than the one this door is checking."""

    code = "ticket_wrong_event"
    status = 409
    default_message = _("This ticket is for another event.")


class TicketForAnotherDay(ServiceError):
    """A real ticket for this door's event, shown on another day than the event's."""

    code = "ticket_wrong_day"
    status = 409
    default_message = _("This ticket is not for today.")


class AlreadyCheckedIn(ServiceError):
    code = "already_checked_in"
    status = 409
    default_message = _("This ticket was already checked in.")

    def __init__(self, check_in, message=None):
        self.check_in = check_in
        super().__init__(
            message,
            details={
                "checked_in_at": check_in.checked_in_at.isoformat(),
                "checked_in_by": str(check_in.checked_in_by or ""),
            },
        )


class TicketNotReady(ServiceError):
    """Validated, but the PDF is being rendered right now: ask again in a few seconds."""

    code = "ticket_not_ready"
    status = 409
    retry_after = 5
    default_message = _("Your ticket is being prepared. Try again in a few seconds.")

    def __init__(self, message=None):
        super().__init__(message, details={"retry_after": self.retry_after})


class DeliveryFailed(Exception):
    """A transient failure of the render, the Lambda or SMTP: recorded, then re-raised so
    RQ retries the delivery job."""


class TicketRenderFailed(DeliveryFailed, ServiceError):
    code = "ticket_unavailable"
    status = 503
    default_message = _("The ticket could not be prepared right now. Try again later.")
