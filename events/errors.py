from django.utils.translation import gettext_lazy as _

from ticketseller.errors import ServiceError


class SoldOut(ServiceError):
    code = "sold_out"
    status = 409
    default_message = _("There are not enough seats left for this event.")


class AdmissionRequired(ServiceError):
    """The event's waiting room is on and the buyer brought no valid admission token."""

    code = "admission_required"
    status = 409
    default_message = _(
        "This event is selling through a waiting room: join the line and buy once admitted."
    )
