"""A purchase as its buyer reads it: one status in plain words, a progress that never looks
complete on failure, and what happens next. The model's status names (reserved, solving,
submitted…) stay for staff, the admin and the API."""

from django.utils.translation import gettext_lazy as _

from payments.models import PurchaseStatus as S
from ticketseller.templatetags.money import format_clp

IN_FLIGHT = (S.RESERVED, S.SOLVING, S.SUBMITTED)
FAILED = (S.REJECTED, S.EXPIRED)

# The short words of the status pill (the purchase page and the list).
BUYER_LABELS = {
    S.RESERVED: _("Confirming your payment…"),
    S.SOLVING: _("Confirming your payment…"),
    S.SUBMITTED: _("Confirming your payment…"),
    S.VALIDATED: _("Payment confirmed"),
    S.REJECTED: _("Payment rejected"),
    S.EXPIRED: _("Payment not completed"),
}

# The steps of the history, in the same plain words.
HISTORY_LABELS = {
    S.RESERVED: _("Money reserved"),
    S.SOLVING: _("Payment in progress"),
    S.SUBMITTED: _("Payment sent for confirmation"),
    S.VALIDATED: _("Payment confirmed"),
    S.REJECTED: _("Payment rejected"),
    S.EXPIRED: _("Payment not completed"),
}


def purchase_progress_percent(*, status: str, solved: int, total: int) -> int:
    """How far the payment has gone, 0-100. 100 only once confirmed; static/js/shop.js
    computes the same while the page polls."""
    if status == S.VALIDATED:
        return 100
    if status == S.SUBMITTED:
        return 90
    if status == S.SOLVING:
        return 10 + (75 * solved // total if total else 0)
    return 5


def purchase_explanation(*, purchase) -> str:
    """The sentence under the status: what happened and what the buyer should expect."""
    refund = format_clp(purchase.amount)
    if purchase.status == S.VALIDATED:
        return str(_("All set. Enjoy the show!"))
    if purchase.status == S.REJECTED:
        return str(
            _("Payment rejected — we refunded %(amount)s to your wallet.") % {"amount": refund}
        )
    if purchase.status == S.EXPIRED:
        return str(
            _("The payment could not be completed in time — we refunded %(amount)s to your wallet.")
            % {"amount": refund}
        )
    return str(
        _("Your money is reserved while we confirm the payment. This page updates by itself.")
    )


def purchase_for_buyer(*, purchase, progress: dict[str, int]) -> dict:
    """The purchase page's words, and those the page's script swaps in when the status
    changes (`explain`, by status)."""
    return {
        "label": BUYER_LABELS.get(purchase.status, purchase.get_status_display()),
        "percent": purchase_progress_percent(
            status=purchase.status, solved=progress["solved"], total=progress["total"]
        ),
        "failed": purchase.status in FAILED,
        "in_flight": purchase.status in IN_FLIGHT,
        "explain": purchase_explanation(purchase=purchase),
        "explain_by_status": {
            status: purchase_explanation(purchase=_AsIf(purchase, status))
            for status in (S.VALIDATED, S.REJECTED, S.EXPIRED)
        },
        "history": [
            (HISTORY_LABELS.get(step.to_status, step.get_to_status_display()), step)
            for step in purchase.history.all()
        ],
    }


class _AsIf:
    """The purchase as it will read once it reaches `status` (for the live page)."""

    def __init__(self, purchase, status: str):
        self.amount, self.status = purchase.amount, status
