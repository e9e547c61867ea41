"""Purchases: the state machine and the steps of the payment flow.

Every state change goes through `purchase_transition`, which locks the row, re-reads it,
does nothing when the purchase is already in the target state, refuses moves the table does
not allow, and writes the audit row, the refund and the seat release in the same
transaction. Network calls (exchange, master) happen only between transactions.
"""

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rq import Retry

from events.models import Event
from events.services import event_seats_release
from payments import exchange_client, master_client
from payments.delivery.services import purchase_outcome_changed
from payments.errors import TransitionNotAllowed
from payments.models import FINAL_STATES, TRANSITIONS, Purchase, PurchaseEvent, PurchaseStatus
from payments.poll_pacing import purchase_latency_observe
from payments.selectors import purchase_for_verdict
from payments.services.attention import purchase_record_error, purchase_record_late_verdict
from payments.verdict_hold import purchase_final_announce
from ticketseller.queues import get_queue
from ticketseller.rq_jobs import job_pending
from ticketseller.statements import inserted, saved, select, update
from wallet.selectors import wallet_get_for_user
from wallet.services import wallet_refund

log = logging.getLogger(__name__)
S = PurchaseStatus
# Transient failures of the flow's jobs are retried by RQ with these pauses (seconds).
JOB_RETRY = Retry(max=5, interval=[1, 2, 5, 10, 20])


def _enqueue(job: str, *, purchase_id: str, new_purchase: bool = False, **kwargs) -> None:
    """Queue a step of the flow, once: under a job id per step and purchase, skipped while
    that job is still pending (the reconciler pushes a stuck purchase every few seconds).
    A purchase just created has no job under its id yet: `new_purchase` skips that look-up.

    If Redis is down the purchase is already safe in the database: the clock's reconciler
    pushes purchases that stop moving, so log and go on rather than turn a committed
    purchase into an error page."""
    job_id = f"{job.rsplit('.', 1)[-1]}-{purchase_id}"
    try:
        queue = get_queue("payments")
        if not new_purchase and job_pending(queue, job_id):
            return
        queue.enqueue(job, job_id=job_id, retry=JOB_RETRY, purchase_id=purchase_id, **kwargs)
    except RedisError:
        log.exception("could not queue %s for %s; the reconciler will retry", job, purchase_id)


# --- The state machine ----------------------------------------------------------------------


_SETTABLE_FIELDS = frozenset(
    name
    for field in Purchase._meta.concrete_fields
    if not field.primary_key and field.name != "status"
    for name in (field.name, field.attname)
)


def purchase_transition(
    *, purchase_id: uuid.UUID | str, to: str, reason: str = "", **fields
) -> tuple[Purchase, bool]:
    """Move a purchase to `to`, setting `fields` (Purchase fields) with it. Returns (purchase,
    changed); changed is False when it was already there (a repeated webhook, a retried job).
    A name that is not a field of Purchase raises TypeError (a typo would be lost silently)."""
    if unknown := sorted(set(fields) - _SETTABLE_FIELDS):
        raise TypeError(f"purchase_transition: Purchase has no field {', '.join(unknown)}")
    with transaction.atomic():
        purchase = select(Purchase, where=("id",), lock=True).get(purchase_id)
        if purchase.status == to:
            return purchase, False
        if to not in TRANSITIONS[purchase.status]:
            raise TransitionNotAllowed(details={"from": purchase.status, "to": to})
        previous = purchase.status
        purchase.status = to
        for name, value in fields.items():
            setattr(purchase, name, value)
        changed = {"status", "attempts", "next_attempt_at", "updated_at", *fields}
        if to in FINAL_STATES:
            purchase.finished_at = timezone.now()
            changed.add("finished_at")
        purchase.attempts, purchase.next_attempt_at = 0, None  # it moved: back-off starts over
        # Only what the transition sets: a step's own `update()` of another column (the
        # master's job id, written outside this lock) must not be overwritten with what was
        # read here, and the challenges' JSON is not re-encoded on every move.
        saved(purchase, changed)
        step = PurchaseEvent(purchase=purchase, from_status=previous, to_status=to)
        step.reason = reason[:300]
        inserted(step)
        if to in (S.REJECTED, S.EXPIRED):
            _give_back(purchase)
        if to in FINAL_STATES:
            purchase_outcome_changed(purchase)  # ticket and email, queued after the commit
            transaction.on_commit(lambda: purchase_final_announce(purchase_id=purchase.pk))
        if to in (S.VALIDATED, S.REJECTED):  # an expiry's time is the deadline's, not the pace's
            took = (purchase.finished_at - purchase.created_at).total_seconds()
            transaction.on_commit(lambda: purchase_latency_observe(seconds=took))
    return purchase, True


def _give_back(purchase: Purchase) -> None:
    """Refund the money and put the seats back, exactly once (the refund's key is unique)."""
    wallet_refund(
        wallet_id=wallet_get_for_user(user=purchase.user).pk,
        amount=purchase.amount,
        reference=f"{purchase.short_number} · {_('refund')}",
        idempotency_key=f"refund:{purchase.pk}",
    )
    event_seats_release(event_pk=purchase.event_id, quantity=purchase.quantity)


def verdict_applied(purchase: Purchase, *, valid: bool) -> bool:
    """True when `purchase` (as just read, without a lock) already holds this verdict: its
    other delivery (the synchronous answer or the webhook) got there first, and applying it
    again would take the write lock to change nothing."""
    return purchase.status == (S.VALIDATED if valid else S.REJECTED)


def purchase_apply_verdict(*, purchase_id: uuid.UUID | str, valid: bool, source: str) -> bool:
    """Act on the exchange's verdict, from the synchronous answer, the webhook or the
    reconciler, whichever comes first; the others are no-ops. Returns True if this call
    changed the purchase. A verdict the state machine refuses is never dropped: after a final
    state it is recorded as a late verdict, before one the purchase is flagged for staff."""
    to = S.VALIDATED if valid else S.REJECTED
    try:
        _, changed = purchase_transition(
            purchase_id=purchase_id, to=to, reason=f"{source}: {'valid' if valid else 'invalid'}"
        )
    except TransitionNotAllowed as exc:
        if exc.details["from"] in FINAL_STATES:
            purchase_record_late_verdict(purchase_id=purchase_id, valid=valid, source=source)
        else:  # e.g. "valid" for a purchase we never submitted: a person must look
            purchase_record_error(
                purchase_id,
                f"{source}: the exchange says {'valid' if valid else 'invalid'} "
                f"but the purchase is {exc.details['from']}",
                permanent=True,
            )
        return False
    return changed


# --- The flow's steps (each runs as an RQ job, outside any transaction) ---------------------


def purchase_request_payment(*, purchase_id: uuid.UUID | str) -> None:
    """Send the payment to the exchange, then hand its challenges to the workers master.

    Safe to run again at any point: the exchange is idempotent by request_id (our purchase
    id) and the master by deposit token.
    """
    purchase = select(Purchase, where=("id",), leave_out=("solutions",)).get(purchase_id)
    if purchase.status not in (S.RESERVED, S.SOLVING):
        return
    if purchase.deposit_token is None:
        # When the first request went out: written with what the exchange answers, not in a
        # write of its own (each write takes SQLite's one write lock, the rush's scarcest).
        asked = {} if purchase.payment_requested_at else {"payment_requested_at": timezone.now()}
        try:
            accepted = exchange_client.payment_create(
                request_id=str(purchase.pk),
                exchange_event_id=str(_exchange_event_id(purchase.event_id)),
                quantity=purchase.quantity,
                value=purchase.amount,
            )
        except exchange_client.ExchangeRefused as exc:  # a "no" (408/429 are DependencyDown)
            Purchase.objects.filter(pk=purchase.pk).update(
                last_error=f"exchange refused: {exc}", **asked
            )
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
            **asked,
        )
    job_id = master_client.job_create(
        deposit_token=str(purchase.deposit_token),
        challenges=purchase.challenges,
        max_secret=purchase.max_secret,
        reference=str(purchase.pk),
    )
    queued = {
        "master_job_id": job_id,
        "challenges_queued_at": timezone.now(),
        "last_error": "",
        "attempts": 0,
        "next_attempt_at": None,
    }
    update(Purchase, fields=tuple(queued), where=("id",)).execute(queued.values(), [purchase.pk])


def _exchange_event_id(event_pk: int):
    """The exchange's id of an event (a statement written once per process, as the payment
    step reads it for every purchase)."""
    return select(Event, where=("id",), only=("event_id",)).get(event_pk).event_id


def purchase_submit_solution(
    *, purchase_id: uuid.UUID | str, solutions: list[dict], solved_at: dt.datetime | None = None
) -> None:
    """Called (as a job) the moment the master's last challenge is solved: submit at once.
    The secrets are stored first, so the reconciler can resubmit them to learn the verdict."""
    try:
        purchase, _changed = purchase_transition(
            purchase_id=purchase_id,
            to=S.SUBMITTED,
            reason="challenges solved",
            solved_at=solved_at or timezone.now(),
            submitted_at=timezone.now(),
            challenges_solved=len(solutions),
            solutions=solutions,
        )
    except TransitionNotAllowed:
        return  # already decided (e.g. rejected by the exchange's deadline): nothing to send
    if purchase.status != S.SUBMITTED:
        return
    if not purchase.solutions:  # submitted before the secrets were kept
        Purchase.objects.filter(pk=purchase.pk).update(solutions=solutions)
    _submit(purchase, solutions, source="synchronous answer")


def _submit(purchase: Purchase, solutions: list[dict], *, source: str) -> None:
    valid = exchange_client.solution_submit(
        deposit_token=str(purchase.deposit_token), solutions=solutions
    )
    # The exchange's signed webhook races this answer and wins about half the time.
    current = purchase_for_verdict(purchase_id=purchase.pk)
    if current is not None and verdict_applied(current, valid=valid):
        return
    purchase_apply_verdict(purchase_id=purchase.pk, valid=valid, source=source)


def purchase_drive(*, purchase_id: uuid.UUID | str) -> str:
    """Push a stuck purchase forward from wherever it stopped (reconciler, admin "retry")."""
    purchase = Purchase.objects.get(pk=purchase_id)
    if purchase.is_final:
        return "final"
    if purchase.status == S.SUBMITTED and purchase.solutions:
        _enqueue("payments.jobs.purchase_resubmit", purchase_id=str(purchase.pk))
        return "resubmit"
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


def purchase_resubmit(*, purchase_id: uuid.UUID | str, solutions: list[dict] | None = None) -> None:
    """Submit the solved secrets again (the exchange answers the same verdict every time);
    without `solutions`, the ones stored when the purchase was first submitted."""
    purchase = Purchase.objects.get(pk=purchase_id)
    solutions = solutions or purchase.solutions
    if not solutions:
        return
    if purchase.status == S.SOLVING:
        purchase_submit_solution(purchase_id=purchase.pk, solutions=solutions)
    elif purchase.status == S.SUBMITTED:
        _submit(purchase, solutions, source="resubmitted")
