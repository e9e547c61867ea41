"""Reconciliation: the clock's periodic pass over purchases that stopped moving."""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from payments import exchange_client
from payments.errors import TransitionNotAllowed
from payments.models import Purchase, PurchaseStatus
from payments.services.flow import (
    purchase_apply_verdict,
    purchase_drive,
    purchase_record_error,
    purchase_transition,
)

log = logging.getLogger(__name__)
S = PurchaseStatus


def purchases_reconcile(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Nothing stays stuck: stale purchases are pushed again, overdue ones are settled with
    the exchange's word, or expired with a refund when the exchange has none to give."""
    now = now or timezone.now()
    counts = {"driven": 0, "validated": 0, "rejected": 0, "expired": 0, "errors": 0}
    open_states = [S.RESERVED, S.SOLVING, S.SUBMITTED]
    overdue = Purchase.objects.filter(status__in=open_states, deadline__lt=now).order_by("deadline")
    for purchase in overdue[:limit]:
        try:
            counts[_settle_overdue(purchase, now)] += 1
        except Exception:  # one bad row must not stop the others
            log.exception("reconciling purchase %s failed", purchase.pk)
            counts["errors"] += 1
    stale_before = now - dt.timedelta(seconds=settings.PURCHASE_STALE_SECONDS)
    stale = Purchase.objects.filter(
        status__in=open_states, deadline__gte=now, updated_at__lt=stale_before
    ).order_by("updated_at")
    for purchase in stale[:limit]:
        try:
            purchase_drive(purchase_id=purchase.pk)
            Purchase.objects.filter(pk=purchase.pk).update(updated_at=now)  # next try later
            counts["driven"] += 1
        except Exception:
            log.exception("driving purchase %s failed", purchase.pk)
            counts["errors"] += 1
    return counts


def _settle_overdue(purchase: Purchase, now: dt.datetime) -> str:
    try:
        status = exchange_client.payment_status(request_id=str(purchase.pk))
    except Exception as exc:  # exchange down or without the extension: decide on our clock
        status = "unknown"
        purchase_record_error(purchase.pk, f"reconcile: {exc}")
    if status in ("valid", "invalid"):
        purchase_apply_verdict(
            purchase_id=purchase.pk, valid=status == "valid", source="reconciled with the exchange"
        )
        return "validated" if status == "valid" else "rejected"
    grace = dt.timedelta(seconds=settings.PURCHASE_EXPIRE_GRACE_SECONDS)
    if status is None or now >= purchase.deadline + grace:
        reason = f"deadline passed (exchange: {status or 'never received it'})"
        try:
            purchase_transition(purchase_id=purchase.pk, to=S.EXPIRED, reason=reason)
        except TransitionNotAllowed:
            return "driven"  # it reached a final state meanwhile
        return "expired"
    purchase_drive(purchase_id=purchase.pk)
    return "driven"
