"""Purchases: creation, the state machine, and the steps of the payment flow.

Every state change goes through `purchase_transition`, which locks the row, re-reads it,
does nothing when the purchase is already in the target state, refuses moves the table does
not allow, and writes the audit row, the refund and the seat release in the same
transaction. Network calls (exchange, master) happen only between transactions.
"""

import datetime as dt
import logging
import uuid

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rq import Retry

from events.models import Event
from events.services import event_seats_release, event_seats_take
from payments import exchange_client, master_client
from payments.delivery.services import purchase_outcome_changed
from payments.errors import EventNotFound, TransitionNotAllowed
from payments.models import FINAL_STATES, TRANSITIONS, Purchase, PurchaseEvent, PurchaseStatus
from ticketseller.db import user_lock_timeout
from ticketseller.errors import IdempotencyConflict, InvalidInput
from wallet.selectors import wallet_get_for_user
from wallet.services import wallet_debit, wallet_lock, wallet_refund

log = logging.getLogger(__name__)
S = PurchaseStatus
# Transient failures of the flow's jobs are retried by RQ with these pauses (seconds).
JOB_RETRY = Retry(max=5, interval=[1, 2, 5, 10, 20])


def _enqueue(job: str, **kwargs) -> None:
    """Queue a step of the flow. If Redis is down the purchase is already safe in the
    database: the clock's reconciler pushes purchases that stop moving, so log and go on
    rather than turn a committed purchase into an error page."""
    try:
        django_rq.get_queue("payments").enqueue(job, retry=JOB_RETRY, **kwargs)
    except RedisError:
        log.exception("could not queue %s %s; the reconciler will retry", job, kwargs)


# --- Creation -------------------------------------------------------------------------------


def purchase_create(
    *,
    user,
    event_id: int,
    quantity: int,
    idempotency_key: str | None = None,
    language: str = "es",
) -> Purchase:
    """Debit the wallet, take the seats and record the purchase, all or nothing.

    Locks the wallet row first and the event row second, always in that order, so two
    purchases can never deadlock. The payment request is queued after the commit.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(details={"quantity": [_("Enter a whole number.")]})
    if not 1 <= quantity <= settings.PURCHASE_MAX_QUANTITY:
        raise InvalidInput(
            details={
                "quantity": [
                    _("Buy between 1 and %(max)d tickets.")
                    % {"max": settings.PURCHASE_MAX_QUANTITY}
                ]
            }
        )
    with transaction.atomic(), user_lock_timeout():
        wallet = wallet_lock(wallet_id=wallet_get_for_user(user=user).pk)
        if idempotency_key is not None:
            previous = Purchase.objects.filter(user=user, idempotency_key=idempotency_key).first()
            if previous is not None:
                if (previous.event_id, previous.quantity) != (event_id, quantity):
                    raise IdempotencyConflict(details={"idempotency_key": idempotency_key})
                return previous
        event = Event.objects.filter(pk=event_id).first()
        if event is None:
            raise EventNotFound()
        purchase = Purchase(
            user=user,
            event=event,
            quantity=quantity,
            unit_price=event.price,
            amount=event.price * quantity,
            idempotency_key=idempotency_key,
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            deadline=timezone.now() + dt.timedelta(seconds=settings.PURCHASE_DEADLINE_SECONDS),
        )
        wallet_debit(
            wallet_id=wallet.pk,
            amount=purchase.amount,
            reference=f"{purchase.short_number} · {event.name}"[:200],
            idempotency_key=f"purchase:{purchase.pk}",
        )
        event_seats_take(event_id=event.pk, quantity=quantity)
        purchase.save()
        PurchaseEvent.objects.create(purchase=purchase, to_status=S.RESERVED, reason="created")
        transaction.on_commit(
            lambda: _enqueue("payments.jobs.purchase_request_payment", purchase_id=str(purchase.pk))
        )
    return purchase


# --- The state machine ----------------------------------------------------------------------


def purchase_transition(
    *, purchase_id: uuid.UUID | str, to: str, reason: str = "", **fields
) -> tuple[Purchase, bool]:
    """Move a purchase to `to`. Returns (purchase, changed); changed is False when it was
    already there (a repeated webhook, a retried job)."""
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().get(pk=purchase_id)
        if purchase.status == to:
            return purchase, False
        if to not in TRANSITIONS[purchase.status]:
            raise TransitionNotAllowed(details={"from": purchase.status, "to": to})
        previous = purchase.status
        purchase.status = to
        for name, value in fields.items():
            setattr(purchase, name, value)
        if to in FINAL_STATES:
            purchase.finished_at = timezone.now()
        purchase.save()
        PurchaseEvent.objects.create(
            purchase=purchase, from_status=previous, to_status=to, reason=reason[:300]
        )
        if to in (S.REJECTED, S.EXPIRED):
            _give_back(purchase)
        if to in FINAL_STATES:
            purchase_outcome_changed(purchase)  # ticket and email, queued after the commit
    return purchase, True


def _give_back(purchase: Purchase) -> None:
    """Refund the money and put the seats back, exactly once (the refund's key is unique)."""
    wallet_refund(
        wallet_id=wallet_get_for_user(user=purchase.user).pk,
        amount=purchase.amount,
        reference=f"{purchase.short_number} · {_('refund')}",
        idempotency_key=f"refund:{purchase.pk}",
    )
    event_seats_release(event_id=purchase.event_id, quantity=purchase.quantity)


def purchase_apply_verdict(*, purchase_id: uuid.UUID | str, valid: bool, source: str) -> bool:
    """Act on the exchange's verdict, from the synchronous answer or the webhook, whichever
    comes first; the second is a no-op. Returns True if this call changed the purchase."""
    to = S.VALIDATED if valid else S.REJECTED
    try:
        _, changed = purchase_transition(
            purchase_id=purchase_id, to=to, reason=f"{source}: {'valid' if valid else 'invalid'}"
        )
    except TransitionNotAllowed as exc:
        # e.g. a late verdict for a purchase we already expired: final states never change.
        log.warning("verdict %s for purchase %s ignored: %s", to, purchase_id, exc.details)
        return False
    return changed


def purchase_record_error(purchase_id, message: str) -> None:
    """Keep the last failure on the purchase, for staff (admin) and for the reconciler."""
    Purchase.objects.filter(pk=purchase_id).update(last_error=message[:2000])


# --- The flow's steps (each runs as an RQ job, outside any transaction) ---------------------


def purchase_request_payment(*, purchase_id: uuid.UUID | str) -> None:
    """Send the payment to the exchange, then hand its challenges to the workers master.

    Safe to run again at any point: the exchange is idempotent by request_id (our purchase
    id) and the master by deposit token.
    """
    purchase = Purchase.objects.select_related("event").get(pk=purchase_id)
    if purchase.status not in (S.RESERVED, S.SOLVING):
        return
    if purchase.deposit_token is None:
        Purchase.objects.filter(pk=purchase.pk, payment_requested_at=None).update(
            payment_requested_at=timezone.now()
        )
        try:
            accepted = exchange_client.payment_create(
                request_id=str(purchase.pk),
                event_id=str(purchase.event.event_id),
                quantity=purchase.quantity,
                value=purchase.amount,
            )
        except exchange_client.ExchangeRefused as exc:
            purchase_apply_verdict(
                purchase_id=purchase.pk, valid=False, source=f"exchange refused ({exc})"
            )
            return
        purchase, _changed = purchase_transition(
            purchase_id=purchase.pk,
            to=S.SOLVING,
            reason="payment accepted by the exchange",
            deposit_token=accepted.deposit_token,
            challenges=accepted.challenges,
            challenges_total=len(accepted.challenges),
            max_secret=accepted.max_secret,
        )
    job_id = master_client.job_create(
        deposit_token=str(purchase.deposit_token),
        challenges=purchase.challenges,
        max_secret=purchase.max_secret,
        reference=str(purchase.pk),
    )
    Purchase.objects.filter(pk=purchase.pk).update(
        master_job_id=job_id, challenges_queued_at=timezone.now(), last_error=""
    )


def purchase_submit_solution(
    *, purchase_id: uuid.UUID | str, solutions: list[dict], solved_at: dt.datetime | None = None
) -> None:
    """Called (as a job) the moment the master's last challenge is solved: submit at once."""
    try:
        purchase, _changed = purchase_transition(
            purchase_id=purchase_id,
            to=S.SUBMITTED,
            reason="challenges solved",
            solved_at=solved_at or timezone.now(),
            submitted_at=timezone.now(),
            challenges_solved=len(solutions),
        )
    except TransitionNotAllowed:
        return  # already decided (e.g. rejected by the exchange's deadline): nothing to send
    if purchase.status != S.SUBMITTED:
        return
    valid = exchange_client.solution_submit(
        deposit_token=str(purchase.deposit_token), solutions=solutions
    )
    purchase_apply_verdict(purchase_id=purchase.pk, valid=valid, source="synchronous answer")


def purchase_drive(*, purchase_id: uuid.UUID | str) -> str:
    """Push a stuck purchase forward from wherever it stopped (reconciler, admin "retry")."""
    purchase = Purchase.objects.get(pk=purchase_id)
    if purchase.is_final:
        return "final"
    if purchase.status == S.SUBMITTED or (purchase.status == S.SOLVING and purchase.master_job_id):
        job = (
            master_client.job_detail(job_id=str(purchase.master_job_id))
            if purchase.master_job_id
            else None
        )
        if job and job.get("status") in ("solved", "failed"):
            solutions = [
                {"challenge_id": c["challenge_id"], "secret": c["secret"]}
                for c in job["challenges"]
                if c.get("secret") is not None
            ]
            _enqueue(
                "payments.jobs.purchase_resubmit", purchase_id=str(purchase.pk), solutions=solutions
            )
            return "resubmit"
        if purchase.status == S.SUBMITTED:
            return "waiting"
    _enqueue("payments.jobs.purchase_request_payment", purchase_id=str(purchase.pk))
    return "request"


def purchase_resubmit(*, purchase_id: uuid.UUID | str, solutions: list[dict]) -> None:
    purchase = Purchase.objects.get(pk=purchase_id)
    if purchase.status == S.SOLVING:
        purchase_submit_solution(purchase_id=purchase.pk, solutions=solutions)
    elif purchase.status == S.SUBMITTED:
        valid = exchange_client.solution_submit(
            deposit_token=str(purchase.deposit_token), solutions=solutions
        )
        purchase_apply_verdict(purchase_id=purchase.pk, valid=valid, source="resubmitted")


# --- Reconciliation -------------------------------------------------------------------------


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
