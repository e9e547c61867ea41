"""Settling the protocol's way: verdicts learnt by resubmitting the stored secrets, the status
extension only where the exchange has it, no expiry of a submitted purchase, failures
recorded with back-off. The exchange is a real HTTP peer: a scripted server, or the
reference exchange."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from payments import jobs
from payments.models import Purchase, PurchaseStatus
from payments.services import (
    purchase_apply_verdict,
    purchase_create,
    purchase_record_error,
    purchase_record_late_verdict,
    purchase_resubmit,
    purchase_transition,
    purchases_reconcile,
)
from payments.tests.scripted_exchange import Answer
from payments.tests.solving import SECRETS
from payments.tests.solving import purchase_to_solving as _solving
from ticketseller.http import DependencyDown
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]
S = PurchaseStatus


@pytest.fixture
def scripted(scripted, settings):
    settings.EXCHANGE_RETRY_BUDGET_SECONDS = 0.5  # the purchase's steps give up sooner
    return scripted


@pytest.fixture
def buyer(make_user):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=100_000)
    return user


@pytest.fixture
def reserved(buyer, make_event):
    return purchase_create(user=buyer, event_pk=make_event(price=10_000).pk, quantity=1)


def _balance(user) -> int:
    user.wallet.refresh_from_db()
    return user.wallet.balance


def _submitted(purchase, *, overdue_by: float = 0) -> Purchase:
    _solving(purchase)
    purchase, _ = purchase_transition(
        purchase_id=purchase.pk, to=S.SUBMITTED, solutions=SECRETS, challenges_solved=2
    )
    if overdue_by:
        Purchase.objects.filter(pk=purchase.pk).update(
            deadline=timezone.now() - dt.timedelta(seconds=overdue_by)
        )
    return Purchase.objects.get(pk=purchase.pk)


# --- Payment creation -----------------------------------------------------------------------


def test_a_429_on_payment_creation_is_retried_later_not_a_rejection(scripted, reserved, buyer):
    scripted.answer("POST", "/payments", Answer(429, {"message": "slow"}, {"Retry-After": "0"}))

    with pytest.raises(DependencyDown):  # re-raised: RQ retries it
        jobs.purchase_request_payment(purchase_id=str(reserved.pk))

    reserved.refresh_from_db()
    assert reserved.status == S.RESERVED and _balance(buyer) == 90_000
    assert "429" in reserved.last_error and reserved.attempts == 1
    assert reserved.needs_attention == ""


def test_a_permanent_4xx_on_payment_creation_rejects_and_refunds(scripted, reserved, buyer):
    scripted.answer("POST", "/payments", Answer(400, {"message": "unknown event_id"}))

    jobs.purchase_request_payment(purchase_id=str(reserved.pk))

    reserved.refresh_from_db()
    assert reserved.status == S.REJECTED and _balance(buyer) == 100_000
    assert "unknown event_id" in reserved.last_error


def test_a_malformed_payment_answer_is_recorded_for_staff_and_not_retried(scripted, reserved):
    scripted.answer("POST", "/payments", Answer(200, b"<html>proxy error</html>"))

    result = jobs.purchase_request_payment(purchase_id=str(reserved.pk))  # no exception: no retry

    reserved.refresh_from_db()
    assert result.startswith("failed") and reserved.status == S.RESERVED
    assert "ExchangeMalformed" in reserved.needs_attention
    assert reserved.next_attempt_at > timezone.now()


def test_a_job_for_a_missing_purchase_is_recorded_not_retried():
    assert jobs.purchase_resubmit(purchase_id=str(uuid.uuid4())).startswith("failed")


# --- Submitting and resubmitting ------------------------------------------------------------


def test_valid_as_the_string_false_never_validates_and_the_secrets_are_kept(scripted, reserved):
    _solving(reserved)
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": "false"}))

    jobs.purchase_submit_solution(
        reference=str(reserved.pk), job_id="j", solutions=SECRETS, complete=True, solved_at=None
    )

    reserved.refresh_from_db()
    assert reserved.status == S.SUBMITTED and reserved.solutions == SECRETS
    assert "JSON boolean" in reserved.needs_attention


def test_an_overdue_submitted_purchase_is_settled_by_resubmitting_its_secrets(scripted, reserved):
    purchase = _submitted(reserved, overdue_by=3600)
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": True}))

    counts = purchases_reconcile()

    purchase.refresh_from_db()
    assert purchase.status == S.VALIDATED and counts["validated"] == 1
    [sent] = scripted.calls("POST", "/challenges/solution")
    assert sent == {"deposit_token": str(purchase.deposit_token), "challenges": SECRETS}
    assert scripted.calls("GET", "/payments/") == []  # the protocol's way first


def test_a_resubmit_applied_twice_changes_the_purchase_once(scripted, reserved):
    purchase = _submitted(reserved)
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": False}))

    purchase_resubmit(purchase_id=purchase.pk)
    purchase_resubmit(purchase_id=purchase.pk)

    assert purchase.history.filter(to_status=S.REJECTED).count() == 1
    assert purchase.user.wallet.entries.filter(kind="refund").count() == 1


def test_a_submitted_purchase_is_not_expired_while_its_verdict_is_unknown(
    scripted, reserved, buyer, settings
):
    settings.PURCHASE_ATTENTION_AFTER = 3
    purchase = _submitted(reserved, overdue_by=3600)  # long past deadline and grace
    scripted.answer("POST", "/challenges/solution", Answer(503, {"message": "down"}))

    now = timezone.now()
    assert purchases_reconcile(now=now)["errors"] == 1
    asked = len(scripted.calls("POST", "/challenges/solution"))
    assert purchases_reconcile(now=now)["errors"] == 0  # in back-off: not asked again
    assert len(scripted.calls("POST", "/challenges/solution")) == asked
    for hours in (1, 2):
        purchases_reconcile(now=now + dt.timedelta(hours=hours))

    purchase.refresh_from_db()
    assert purchase.status == S.SUBMITTED and _balance(buyer) == 90_000
    assert purchase.attempts == 3 and purchase.needs_attention

    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": True}))
    purchases_reconcile(now=now + dt.timedelta(hours=3))
    purchase.refresh_from_db()
    assert purchase.status == S.VALIDATED and purchase.attempts == 0


# --- The status extension -------------------------------------------------------------------


def test_without_the_status_extension_a_reserved_purchase_waits_out_the_grace(
    scripted, reserved, buyer, settings
):
    settings.PURCHASE_EXPIRE_GRACE_SECONDS = 30
    deadline = reserved.deadline

    purchases_reconcile(now=deadline + dt.timedelta(seconds=1))
    reserved.refresh_from_db()
    assert reserved.status == S.RESERVED  # a 404 on an unknown route is not "never received"

    purchases_reconcile(now=deadline + dt.timedelta(seconds=31))
    reserved.refresh_from_db()
    assert reserved.status == S.EXPIRED and _balance(buyer) == 100_000
    assert "exchange: unknown" in reserved.history.last().reason


def test_a_pending_status_from_the_extension_keeps_a_solving_purchase_until_the_grace(
    scripted, reserved, settings
):
    settings.PURCHASE_EXPIRE_GRACE_SECONDS = 30
    purchase = _solving(reserved)
    scripted.answer("GET", "/payments/", Answer(200, {"status": "pending"}))

    purchases_reconcile(now=purchase.deadline + dt.timedelta(seconds=1))

    purchase.refresh_from_db()
    assert purchase.status == S.SOLVING


# --- Refused and late verdicts --------------------------------------------------------------


def test_a_valid_verdict_for_a_purchase_never_submitted_flags_it_with_back_off(reserved):
    purchase = _solving(reserved)

    assert purchase_apply_verdict(purchase_id=purchase.pk, valid=True, source="reconciled") is False
    assert purchase_apply_verdict(purchase_id=purchase.pk, valid=True, source="reconciled") is False

    purchase.refresh_from_db()
    assert purchase.status == S.SOLVING
    assert "says valid but the purchase is solving" in purchase.needs_attention
    assert purchase.attempts == 2 and purchase.next_attempt_at > timezone.now()


def test_a_late_verdict_recorded_twice_is_recorded_once(reserved):
    purchase_transition(purchase_id=reserved.pk, to=S.EXPIRED, reason="deadline")

    first = purchase_record_late_verdict(purchase_id=reserved.pk, valid=True, source="webhook")
    again = purchase_record_late_verdict(purchase_id=reserved.pk, valid=True, source="webhook")

    reserved.refresh_from_db()
    assert (first, again) == (True, False)
    assert (reserved.status, reserved.late_verdict) == (S.EXPIRED, "valid")


def test_errors_recorded_twice_count_twice_and_back_off_further(reserved):
    purchase_record_error(reserved.pk, "first")
    first = Purchase.objects.get(pk=reserved.pk).next_attempt_at
    purchase_record_error(reserved.pk, "second")
    reserved.refresh_from_db()
    assert reserved.attempts == 2 and reserved.next_attempt_at > first
    assert reserved.last_error == "second" and reserved.needs_attention == ""
