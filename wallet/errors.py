from django.utils.translation import gettext_lazy as _

from ticketseller.errors import ServiceError


class InsufficientFunds(ServiceError):
    code = "insufficient_funds"
    status = 402
    default_message = _("Your wallet does not have enough money for this.")


class DepositOutOfRange(ServiceError):
    code = "invalid_amount"
    status = 400
    default_message = _("The amount is outside the allowed range.")
