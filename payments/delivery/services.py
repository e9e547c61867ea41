"""Ticket delivery: render and store the PDF once, send each outcome's email once, serve the
ticket to its owner, check tickets in at the door.

Exactly-once without holding a lock across the network: a worker *claims* a TicketFile or a
Notification row with a compare-and-set on `claimed_until` (a lease), does the network call
(Lambda, S3, SMTP) outside any transaction, then records the result with another
conditional UPDATE. A second job, a retried job, or a download racing the job finds the row
claimed or done and does nothing.

The one window left (documented trade-off): if a process dies after the SMTP server accepted
a message and before `sent_at` is written (a few milliseconds), the claim expires after
SEND_LEASE and a retry sends that email again. We prefer "at most one duplicate per such
crash" to "maybe never sent". The same holds for a ticket: a render whose lease ran out is
discarded (local) or left as an unreachable orphan object (S3), never shown to anyone.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from lambda_pdf.storage import download_filename
from payments.delivery.backends import RENDER_LEASE_SECONDS, TicketDownload, get_backend
from payments.delivery.codes import ticket_code_parse
from payments.delivery.emails import email_build
from payments.delivery.errors import (
    AlreadyCheckedIn,
    DeliveryFailed,
    NotYetValidated,
    TicketForAnotherDay,
    TicketForAnotherEvent,
    TicketNotReady,
    TicketNotValid,
    TicketRenderFailed,
    UnknownTicket,
)
from payments.delivery.models import (
    CheckIn,
    Notification,
    NotificationOutcome,
    TicketBackendName,
    TicketFile,
)
from payments.delivery.pdf_data import ticket_data_for
from payments.delivery.selectors import check_in_get
from payments.models import FINAL_STATES, Purchase, PurchaseStatus
from ticketseller.queues import get_queue

log = logging.getLogger(__name__)
S = PurchaseStatus
DELIVER_JOB = "payments.delivery.jobs.purchase_deliver"
# Transient failures (render, Lambda, SMTP) are retried by RQ with these pauses (seconds).
DELIVERY_RETRY = Retry(max=5, interval=[2, 10, 30, 60, 120])
RENDER_LEASE = dt.timedelta(seconds=RENDER_LEASE_SECONDS)
SEND_LEASE = dt.timedelta(seconds=max(60, 3 * settings.EMAIL_TIMEOUT))
_PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _lease_claim(model, *, pk, done_field: str, lease: dt.timedelta, **changes) -> bool:
    """Compare-and-set: take the row for `lease` unless its work is done (`done_field` set)
    or another worker holds an unexpired lease. True if this call took it."""
    now = timezone.now()
    taken = (
        model.objects.filter(pk=pk, **{done_field: None})
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + lease, attempts=F("attempts") + 1, updated_at=now, **changes)
    )
    return bool(taken)


def _row_claim(model, *, purchase, lease: dt.timedelta, done_field: str, lookup=None, **changes):
    """The purchase's row of `model` (with `lookup`), taken for `lease`: a new row is created
    already taken, in one INSERT, instead of an INSERT, a read and an UPDATE; an existing one
    is taken with `_lease_claim` unless its work is done. Returns (row, taken)."""
    lookup = lookup or {}
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a unique conflict must not end the caller's
            row = model.objects.create(
                purchase=purchase, claimed_until=now + lease, attempts=1, **lookup, **changes
            )
        return row, True
    except IntegrityError:  # a retry, the sweep, or a download got here first
        row = model.objects.get(purchase=purchase, **lookup)
    if getattr(row, done_field) is not None:
        return row, False
    taken = _lease_claim(model, pk=row.pk, done_field=done_field, lease=lease, **changes)
    if taken:
        row.refresh_from_db()  # the lease and attempts the claim wrote
    return row, taken


def _lease_release_failed(model, *, pk, exc: BaseException) -> None:
    """Give the lease back and keep the error for staff (admin) and the next attempt."""
    model.objects.filter(pk=pk).update(
        last_error=_error_text(exc), claimed_until=None, updated_at=timezone.now()
    )


# --- Enqueueing -----------------------------------------------------------------------------


def delivery_job_id(purchase_id: uuid.UUID | str) -> str:
    return f"deliver-{purchase_id}"


def _delivery_job_pending(queue, job_id: str) -> bool:
    """True while a delivery job under `job_id` is waiting or running. A job "queued" but on
    no queue for a while was taken by a worker that paused or died: not pending."""
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return False
    status = job.get_status()
    if status == JobStatus.QUEUED and queue.connection.lpos(queue.key, job_id) is None:
        grace = dt.timedelta(seconds=settings.CLOCK_LOST_JOB_GRACE_SECONDS)
        return job.enqueued_at is None or job.enqueued_at > dt.datetime.now(dt.UTC) - grace
    return status in _PENDING


def delivery_enqueue(*, purchase_id: uuid.UUID | str) -> bool:
    """Queue the delivery job (with retries) under the purchase's fixed job id, unless it is
    already waiting or running. Safe to call any number of times.

    Returns False when Redis could not take it: the purchase is final in the database and
    the delivery sweep (on the clock) queues it later, so a caller (a webhook, a commit
    hook) must not fail because of Redis.
    """
    job_id = delivery_job_id(purchase_id)
    try:
        queue = get_queue("delivery")
        if not _delivery_job_pending(queue, job_id):
            queue.connection.lrem(queue.intermediate_queue_key, 0, job_id)  # a lost copy
            queue.enqueue(
                DELIVER_JOB, purchase_id=str(purchase_id), retry=DELIVERY_RETRY, job_id=job_id
            )
    except RedisError:
        log.exception("could not queue the delivery of %s; the sweep will", purchase_id)
        return False
    return True


def purchase_outcome_changed(purchase: Purchase) -> None:
    """Call when a purchase has just reached a final state (once per real change): queues
    its delivery after the surrounding transaction commits. Outside a transaction it
    queues at once. A non-final purchase is ignored."""
    if purchase.status not in FINAL_STATES:
        return
    purchase_id = str(purchase.pk)
    transaction.on_commit(lambda: delivery_enqueue(purchase_id=purchase_id))


# --- The job's steps ------------------------------------------------------------------------


def purchase_deliver(*, purchase_id: uuid.UUID | str) -> str:
    """Everything a final purchase is owed; safe to run again at any point.

    validated → render and store the PDF (if not yet), then the "your tickets" email;
    rejected / expired → the "your money was refunded" email. Returns what it did.
    """
    purchase = _with_buyer().filter(pk=purchase_id).first()  # once, for ticket and email
    if purchase is None:
        return "missing"
    if purchase.status == S.VALIDATED:
        try:
            _ticket_ensure(purchase)
        except (DeliveryFailed, TicketNotReady):
            # The email stops waiting for a PDF that keeps failing: it then links to the
            # purchase page. Re-raised, so RQ (or the sweep) retries the render.
            if email_stops_waiting_for_ticket(purchase_id=purchase_id):
                _notification_send(purchase, outcome=NotificationOutcome.VALIDATED)
            raise
        _notification_send(purchase, outcome=NotificationOutcome.VALIDATED, ticket_ready=True)
        return "validated"
    if purchase.status in (S.REJECTED, S.EXPIRED):
        _notification_send(purchase, outcome=NotificationOutcome.REFUNDED)
        return "refunded"
    return "not_final"


def _with_buyer():
    """Purchases with their event and buyer: what a ticket, an email and the door show,
    read in one statement."""
    return Purchase.objects.select_related("event", "user")


def email_stops_waiting_for_ticket(*, purchase_id: uuid.UUID | str) -> bool:
    """After DELIVERY_EMAIL_WAITS_FOR_RENDERS failed renders, or DELIVERY_EMAIL_WAITS_SECONDS
    after the purchase ended, the "tickets ready" email goes without the ticket."""
    ticket = TicketFile.objects.filter(purchase_id=purchase_id).first()
    if ticket is not None and ticket.attempts >= settings.DELIVERY_EMAIL_WAITS_FOR_RENDERS:
        return True
    finished_at = Purchase.objects.filter(pk=purchase_id).values_list("finished_at", flat=True)
    waited = dt.timedelta(seconds=settings.DELIVERY_EMAIL_WAITS_SECONDS)
    return any(at is not None and at < timezone.now() - waited for at in finished_at)


def ticket_ensure(*, purchase_id: uuid.UUID | str) -> TicketFile:
    """The purchase's rendered TicketFile, rendering and storing it first if nobody has.

    Raises NotYetValidated, TicketNotReady (someone else is rendering it right now) or
    TicketRenderFailed (recorded on the TicketFile: `attempts`, `last_error`).
    """
    purchase = _with_buyer().get(pk=purchase_id)
    return _ticket_ensure(purchase)


def _ticket_ensure(purchase: Purchase) -> TicketFile:
    if purchase.status != S.VALIDATED:
        raise NotYetValidated()
    backend = get_backend()
    ticket, claimed = _row_claim(
        TicketFile, purchase=purchase, lease=RENDER_LEASE, done_field="rendered_at",
        backend=backend.name,
    )  # fmt: skip
    if ticket.is_ready:
        return ticket
    if not claimed:
        ticket.refresh_from_db()
        if ticket.is_ready:
            return ticket
        raise TicketNotReady()
    try:
        stored = backend.store(payload=ticket_data_for(purchase))
    except Exception as exc:
        _lease_release_failed(TicketFile, pk=ticket.pk, exc=exc)
        log.warning("rendering the ticket of purchase %s failed: %s", purchase.pk, exc)
        if isinstance(exc, DeliveryFailed):
            raise
        raise TicketRenderFailed(_error_text(exc)) from exc
    now = timezone.now()
    rendered = {
        "backend": backend.name, "key": stored.key, "bucket": stored.bucket,
        "size": stored.size, "rendered_at": now, "claimed_until": None, "last_error": "",
        "updated_at": now,
    }  # fmt: skip
    if TicketFile.objects.filter(pk=ticket.pk, rendered_at=None).update(**rendered):
        for name, value in rendered.items():  # what the row now holds: no second read
            setattr(ticket, name, value)
        return ticket
    # our lease ran out and another renderer finished first: keep theirs
    log.warning("discarding a second render of purchase %s (%s)", purchase.pk, stored.key)
    backend.discard(stored)
    ticket.refresh_from_db()
    return ticket


def notification_send(*, purchase_id: uuid.UUID | str, outcome: str) -> bool:
    """Send the email for `outcome` unless it was sent (or is being sent) already.

    Returns True if this call sent it. An SMTP (or rendering) failure is recorded on the
    Notification and raised as DeliveryFailed, so the job retries.
    """
    purchase = _with_buyer().get(pk=purchase_id)
    return _notification_send(purchase, outcome=outcome)


def _notification_send(purchase: Purchase, *, outcome: str, ticket_ready: bool | None = None):
    recipient = (purchase.user.email or "").strip()
    if not recipient:  # nothing to retry: staff see why in the admin
        note, _created = Notification.objects.get_or_create(
            purchase=purchase, outcome=outcome, defaults={"recipient": recipient}
        )
        if note.sent_at is None:
            Notification.objects.filter(pk=note.pk).update(
                last_error="the buyer has no email address", updated_at=timezone.now()
            )
        return False
    note, claimed = _row_claim(
        Notification, purchase=purchase, lookup={"outcome": outcome}, lease=SEND_LEASE,
        done_field="sent_at", recipient=recipient,
    )  # fmt: skip
    if not claimed:  # sent already, or another worker is sending it right now
        return False
    try:
        email_build(purchase=purchase, outcome=outcome, ticket_ready=ticket_ready).send()
    except Exception as exc:
        _lease_release_failed(Notification, pk=note.pk, exc=exc)
        log.warning("email %s for purchase %s failed: %s", outcome, purchase.pk, exc)
        raise DeliveryFailed(f"email {outcome}: {exc}") from exc
    # ← the crash window of the module docstring
    Notification.objects.filter(pk=note.pk).update(
        sent_at=timezone.now(), claimed_until=None, last_error="", updated_at=timezone.now()
    )
    return True


# --- Downloads ------------------------------------------------------------------------------


def ticket_download(*, purchase: Purchase) -> TicketDownload:
    """What the owner's download gets: the PDF (local) or a fresh S3 URL (lambda).

    A validated purchase whose ticket the job has not rendered yet: with the local backend
    it is rendered now, in the request (a fraction of a second; the job then finds it
    done); with the Lambda, TicketNotReady (409, retry in a few seconds). Someone rendering
    it right now: TicketNotReady as well.
    """
    if purchase.status != S.VALIDATED:
        raise NotYetValidated()
    ticket = TicketFile.objects.filter(purchase_id=purchase.pk).first()
    if ticket is None or not ticket.is_ready:
        if settings.TICKET_BACKEND != TicketBackendName.LOCAL:
            raise TicketNotReady()
        ticket = ticket_ensure(purchase_id=purchase.pk)
    return get_backend(ticket.backend).download(
        key=ticket.key, bucket=ticket.bucket, filename=download_filename(purchase.short_number)
    )


# --- Check-in at the door -------------------------------------------------------------------


def _refuse(error_class, purchase: Purchase, **details):
    error = error_class(details=details)
    error.purchase = purchase  # the page shows whose ticket it is
    raise error


def ticket_check_in(
    *, code: str, staff_user, event_pk: int, today: dt.date | None = None
) -> CheckIn:
    """Record the first use of a ticket code at the door of event `event_pk`.

    A ticket is good only for its own event, on that event's day in the shop's time zone
    (`today`, default the local date now). Raises ForgedTicketCode, UnknownTicket,
    TicketForAnotherEvent, TicketForAnotherDay, TicketNotValid (purchase not validated) or
    AlreadyCheckedIn (with the first check-in)."""
    purchase_id, index = ticket_code_parse(code)
    purchase = _with_buyer().filter(pk=purchase_id).first()
    if purchase is None or index > purchase.quantity:
        raise UnknownTicket()
    if purchase.event_id != event_pk:
        _refuse(TicketForAnotherEvent, purchase, event_id=purchase.event_id)
    event_day = timezone.localdate(purchase.event.date)
    if event_day != (today or timezone.localdate()):
        _refuse(TicketForAnotherDay, purchase, event_day=event_day.isoformat())
    if purchase.status != S.VALIDATED:
        _refuse(TicketNotValid, purchase, status=purchase.status)
    existing = check_in_get(purchase_id=purchase.pk, index=index)
    if existing is None:
        try:
            with transaction.atomic():
                return CheckIn.objects.create(
                    purchase=purchase, ticket_index=index, checked_in_by=staff_user
                )
        except IntegrityError:  # two doors scanned it at the same moment: the other won
            existing = check_in_get(purchase_id=purchase.pk, index=index)
    raise AlreadyCheckedIn(existing)
