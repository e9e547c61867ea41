"""What staff may do to a purchase from the admin, beyond the retry (`purchase_drive`) and
the delivery retry. Each goes through the purchase's transition service, so the audit trail
(`PurchaseEvent`) records it with the staff member's name."""

import uuid

from django.db import transaction
from django.utils import timezone

from payments.errors import StaffRefundNotAllowed
from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_transition


def purchase_staff_expire(
    *, purchase_id: uuid.UUID | str, staff_username: str
) -> tuple[Purchase, bool]:
    """Expire and refund a purchase that is stuck past its deadline.

    Allowed only while the purchase is reserved or solving and its deadline has passed: before
    the deadline the pipeline still owns it; a submitted purchase is never expired, since the
    exchange may already hold the money and its verdict will come (the reconciler keeps
    asking); a final purchase already has its outcome. Refund and seats come from the
    EXPIRED transition itself.
    Raises `StaffRefundNotAllowed` otherwise. Returns (purchase, changed): expiring an already
    expired one changes nothing.
    """
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().get(pk=purchase_id)
        if purchase.status == PurchaseStatus.EXPIRED:
            return purchase, False
        in_flight = purchase.status in (PurchaseStatus.RESERVED, PurchaseStatus.SOLVING)
        if not in_flight or purchase.deadline > timezone.now():
            raise StaffRefundNotAllowed(
                details={"status": purchase.status, "deadline": purchase.deadline.isoformat()}
            )
        return purchase_transition(
            purchase_id=purchase.pk,
            to=PurchaseStatus.EXPIRED,
            reason=f"staff: {staff_username}"[:300],
        )
