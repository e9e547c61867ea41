from django.utils.translation import gettext_lazy as _

from ticketseller.errors import ServiceError


class SoldOut(ServiceError):
    code = "sold_out"
    status = 409
    default_message = _("There are not enough seats left for this event.")
