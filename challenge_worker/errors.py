from django.utils.translation import gettext_lazy as _

from ticketseller.errors import ServiceError


class JobNotFound(ServiceError):
    code = "not_found"
    status = 404
    default_message = _("No such job.")


class DepositTokenConflict(ServiceError):
    """The deposit token is already recorded with other challenges (a caller bug, not a retry)."""

    code = "deposit_token_conflict"
    status = 409
    default_message = _("This deposit token was already sent with different challenges.")


class MasterUnavailable(ServiceError):
    code = "master_unavailable"
    status = 503
    default_message = _("The workers master cannot reach its queue right now.")
