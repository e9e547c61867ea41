"""Reconciliation: the clock's periodic pass over purchases that stopped moving.

Overdue purchases are settled the protocol's way. A SUBMITTED purchase may have been paid,
so only the exchange's verdict ends it: we resubmit the stored secrets (the exchange answers
the same verdict every time) or, when the exchange offers it, ask `GET /v1/payments/{id}`;
without an answer we keep asking with back-off and never expire it. A RESERVED or SOLVING
purchase was never submitted, so the exchange cannot have taken the money: it expires with
a refund once the grace period is over (at once if the exchange says it never saw it).

Each row is tried on its own; a failure is recorded on it and pushes its next attempt back,
and both queries skip rows whose next attempt is in the future, so a row that always fails
never holds up the others.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from payments import exchange_client
from payments.errors import TransitionNotAllowed
from payments.models import Purchase, PurchaseStatus
from payments.services.attention import TRANSIENT_FAILURES, purchase_record_error
from payments.services.flow import purchase_apply_verdict, purchase_drive, purchase_transition

log = logging.getLogger(__name__)
S = PurchaseStatus
OPEN_STATES = [S.RESERVED, S.SOLVING, S.SUBMITTED]
UNKNOWN = "unknown"  # the exchange could not or would not tell


def purchases_reconcile(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Nothing stays stuck: stale purchases are pushed again, overdue ones are settled with
    the exchange's word, or expired with a refund when they were never submitted."""
    now = now or timezone.now()
    counts = dict.fromkeys(
        ["driven", "validated", "rejected", "expired", "waiting", "attention", "errors"], 0
    )
    due = Purchase.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), status__in=OPEN_STATES
    )
    for purchase in due.filter(deadline__lt=now).order_by("deadline")[:limit]:
        counts[_attempt(purchase, lambda p: _settle_overdue(p, now))] += 1
    stale_before = now - dt.timedelta(seconds=settings.PURCHASE_STALE_SECONDS)
    stale = due.filter(deadline__gte=now, updated_at__lt=stale_before).order_by("updated_at")
    for purchase in stale[:limit]:
        counts[_attempt(purchase, lambda p: _drive_stale(p, now))] += 1
    return counts


def _attempt(purchase: Purchase, step: Callable[[Purchase], str]) -> str:
    """Run one row's step; a failure is the row's, recorded with back-off, not the pass's."""
    try:
        return step(purchase)
    except Exception as exc:
        transient = isinstance(exc, TRANSIENT_FAILURES)
        log.log(
            logging.WARNING if transient else logging.ERROR,
            "reconciling purchase %s failed: %s",
            purchase.pk,
            exc,
            exc_info=not transient,
        )
        try:
            purchase_record_error(
                purchase.pk, f"reconcile: {type(exc).__name__}: {exc}", permanent=not transient
            )
        except Exception:  # the database itself is down: the next pass tries again
            log.exception("could not record the failure of purchase %s", purchase.pk)
        return "errors"


def _drive_stale(purchase: Purchase, now: dt.datetime) -> str:
    purchase_drive(purchase_id=purchase.pk)
    Purchase.objects.filter(pk=purchase.pk).update(updated_at=now)  # next try later
    return "driven"


def _settle_overdue(purchase: Purchase, now: dt.datetime) -> str:
    verdict = _ask_verdict(purchase)
    if verdict in ("valid", "invalid"):
        changed = purchase_apply_verdict(
            purchase_id=purchase.pk, valid=verdict == "valid", source="reconciled with the exchange"
        )
        if not changed:  # refused (the purchase is flagged) or settled meanwhile
            return "attention"
        return "validated" if verdict == "valid" else "rejected"
    if purchase.status == S.SUBMITTED:
        return _keep_asking(purchase, verdict)
    grace = dt.timedelta(seconds=settings.PURCHASE_EXPIRE_GRACE_SECONDS)
    if verdict is None or now >= purchase.deadline + grace:
        reason = f"deadline passed (exchange: {verdict or 'never received it'})"
        try:  # locked and re-read: a submit that started meanwhile wins (no SUBMITTED → EXPIRED)
            purchase_transition(purchase_id=purchase.pk, to=S.EXPIRED, reason=reason)
        except TransitionNotAllowed:
            return "driven"
        return "expired"
    purchase_drive(purchase_id=purchase.pk)
    return "driven"


def _ask_verdict(purchase: Purchase) -> str | None:
    """`valid`, `invalid`, `pending`, UNKNOWN, or None when the exchange says it never saw
    the payment. Failures are raised for a SUBMITTED purchase (recorded, with back-off: we
    must learn its verdict) and only noted for the others (our clock decides those)."""
    try:
        if purchase.status == S.SUBMITTED and purchase.solutions and purchase.deposit_token:
            valid = exchange_client.solution_submit(
                deposit_token=str(purchase.deposit_token), solutions=purchase.solutions
            )
            return "valid" if valid else "invalid"
        status = exchange_client.payment_status(request_id=str(purchase.pk))
    except (exchange_client.ExchangeError, *TRANSIENT_FAILURES) as exc:
        if purchase.status == S.SUBMITTED:
            raise
        Purchase.objects.filter(pk=purchase.pk).update(last_error=f"reconcile: {exc}"[:2000])
        return UNKNOWN
    if status == exchange_client.NO_EXTENSION:
        return UNKNOWN
    if status is None and purchase.status == S.SUBMITTED:
        return UNKNOWN  # it has our deposit token: "never saw it" cannot be the whole truth
    return status


def _keep_asking(purchase: Purchase, verdict: str | None) -> str:
    """A submitted purchase without a verdict yet: ask again later, with back-off (and get
    the secrets from the master when they were not stored)."""
    if not purchase.solutions:
        purchase_drive(purchase_id=purchase.pk)
    purchase_record_error(purchase.pk, f"submitted, verdict still unknown (exchange: {verdict})")
    return "waiting"
