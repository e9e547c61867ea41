from django.utils.translation import gettext_lazy as _

from ticketseller.errors import ServiceError


class TransitionNotAllowed(ServiceError):
    code = "invalid_transition"
    status = 409
    default_message = _("This purchase cannot change to that state.")


class EventNotFound(ServiceError):
    code = "not_found"
    status = 404
    default_message = _("No such event.")


class NotYetValidated(ServiceError):
    code = "not_validated"
    status = 409
    default_message = _("The ticket is available once the payment is validated.")


class StaffRefundNotAllowed(ServiceError):
    code = "refund_not_allowed"
    status = 409
    default_message = _(
        "Only a reserved or solving purchase whose deadline has passed can be expired and refunded."
    )


class EventPast(ServiceError):
    code = "event_past"
    status = 409
    default_message = _("This event has already taken place; its tickets are no longer sold.")


class EventFree(ServiceError):
    """The exchange takes only payments of at least 1 CLP, so a free event cannot go through
    it; free tickets are not offered rather than half supported."""

    code = "event_free"
    status = 409
    default_message = _("This event is free: its tickets are not sold here.")
