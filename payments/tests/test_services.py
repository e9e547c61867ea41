import datetime as dt

import django_rq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.errors import SoldOut
from payments.errors import EventFree, EventNotFound, EventPast, TransitionNotAllowed
from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_apply_verdict, purchase_create, purchase_transition
from ticketseller.errors import IdempotencyConflict, InvalidInput
from wallet.errors import InsufficientFunds
from wallet.selectors import wallet_ledger_sum
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db
S = PurchaseStatus


@pytest.fixture
def buyer(make_user):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=100_000)
    return user


def _state(user, event):
    user.wallet.refresh_from_db()
    event.refresh_from_db()
    return user.wallet.balance, event.available


def test_a_purchase_debits_the_wallet_takes_the_seats_and_queues_the_payment(
    buyer, make_event, redis_flushed, django_capture_on_commit_callbacks
):
    event = make_event(price=25_000, capacity=10)
    with django_capture_on_commit_callbacks(execute=True):
        purchase = purchase_create(user=buyer, event_pk=event.pk, quantity=2)

    assert (purchase.status, purchase.amount, purchase.unit_price) == (S.RESERVED, 50_000, 25_000)
    assert _state(buyer, event) == (50_000, 8)
    entry = buyer.wallet.entries.first()
    assert (entry.kind, entry.amount) == ("purchase", -50_000)
    [job] = django_rq.get_queue("payments").get_jobs()
    assert job.func_name == "payments.jobs.purchase_request_payment"
    assert job.kwargs == {"purchase_id": str(purchase.pk)}
    assert [e.to_status for e in purchase.history.all()] == [S.RESERVED]


def test_a_buy_locks_and_reads_the_wallet_once_and_takes_no_savepoint(buyer, make_event):
    """A buy's transaction holds the write lock (SQLite's one lock for every writer), so it
    does no more than it needs: the wallet is locked and read in one statement, and nothing
    inside it needs a savepoint (a refusal raises before any write)."""
    event = make_event(price=25_000, capacity=10)
    with CaptureQueriesContext(connection) as queries:
        purchase_create(user=buyer, event_pk=event.pk, quantity=1)
    sql = [q["sql"] for q in queries.captured_queries]
    wallet_reads = [s for s in sql if s.startswith("SELECT") and 'FROM "wallet_wallet"' in s]
    assert len(wallet_reads) == 1
    assert "FOR UPDATE" in wallet_reads[0]
    # The test's own transaction turns the buy's atomic block into a savepoint: only that one.
    assert len([s for s in sql if s.startswith("SAVEPOINT")]) == 1
    assert _state(buyer, event) == (75_000, 9)


def test_a_stuck_purchase_pushed_again_and_again_is_queued_once_until_its_job_runs(
    buyer, make_event, redis_flushed, django_capture_on_commit_callbacks
):
    from rq import SimpleWorker

    from payments.services import purchase_drive as drive

    def purchase_drive(**kwargs):  # django-rq pushes jobs when the transaction commits
        with django_capture_on_commit_callbacks(execute=True):
            drive(**kwargs)

    with django_capture_on_commit_callbacks(execute=True):
        purchase = purchase_create(user=buyer, event_pk=make_event().pk, quantity=1)
    queue = django_rq.get_queue("payments")
    for _ in range(3):  # the reconciler, every few seconds, while the payments worker is away
        purchase_drive(purchase_id=purchase.pk)
    assert queue.get_job_ids() == [f"purchase_request_payment-{purchase.pk}"]

    # A worker pops it and freezes before running it: "queued" on no queue is not pending.
    queue.connection.lpop(queue.key)
    purchase_drive(purchase_id=purchase.pk)
    assert queue.get_job_ids() == [f"purchase_request_payment-{purchase.pk}"]

    # It runs and fails for want of an exchange: RQ schedules a retry, which is pending too.
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)
    job = queue.fetch_job(f"purchase_request_payment-{purchase.pk}")
    assert job.get_status() == "scheduled"
    purchase_drive(purchase_id=purchase.pk)
    assert queue.get_job_ids() == []

    # Lost altogether (Redis lost its data): the next push queues it again.
    job.delete()
    purchase_drive(purchase_id=purchase.pk)
    assert queue.get_job_ids() == [f"purchase_request_payment-{purchase.pk}"]


def test_the_last_seat_can_be_bought_and_then_the_event_is_sold_out(buyer, make_event):
    event = make_event(capacity=3)
    purchase_create(user=buyer, event_pk=event.pk, quantity=3)
    with pytest.raises(SoldOut):
        purchase_create(user=buyer, event_pk=event.pk, quantity=1)
    assert _state(buyer, event)[1] == 0


def test_short_funds_move_nothing(make_user, make_event):
    poor = make_user()
    wallet_deposit(wallet_id=poor.wallet.pk, amount=10_000)
    event = make_event(price=25_000)
    with pytest.raises(InsufficientFunds):
        purchase_create(user=poor, event_pk=event.pk, quantity=1)
    assert _state(poor, event) == (10_000, event.capacity)
    assert not Purchase.objects.exists()


def test_too_few_seats_move_nothing(buyer, make_event):
    event = make_event(capacity=5, available=1)
    with pytest.raises(SoldOut) as exc:
        purchase_create(user=buyer, event_pk=event.pk, quantity=2)
    assert exc.value.details == {"available": 1, "requested": 2}
    assert _state(buyer, event) == (100_000, 1)


@pytest.mark.parametrize("quantity", [0, -1, 11, 2.5, "2", True])
def test_bad_quantities_are_refused(buyer, make_event, quantity):
    with pytest.raises(InvalidInput):
        purchase_create(user=buyer, event_pk=make_event().pk, quantity=quantity)


def test_an_unknown_event_is_not_found(buyer):
    with pytest.raises(EventNotFound):
        purchase_create(user=buyer, event_pk=999_999, quantity=1)


def test_a_past_event_cannot_be_bought(buyer, make_event):
    event = make_event(date=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(EventPast):
        purchase_create(user=buyer, event_pk=event.pk, quantity=1)
    assert _state(buyer, event) == (100_000, event.capacity)


def test_a_free_event_is_refused_rather_than_sent_to_the_exchange(buyer, make_event):
    event = make_event(price=0)
    with pytest.raises(EventFree):
        purchase_create(user=buyer, event_pk=event.pk, quantity=1)
    assert not Purchase.objects.exists()


def test_a_submitted_purchase_can_never_expire(reserved):
    purchase_transition(purchase_id=reserved.pk, to=S.SOLVING)
    purchase_transition(purchase_id=reserved.pk, to=S.SUBMITTED)
    with pytest.raises(TransitionNotAllowed):
        purchase_transition(purchase_id=reserved.pk, to=S.EXPIRED)


def test_the_same_idempotency_key_buys_once(buyer, make_event):
    event = make_event(price=1_000)
    first = purchase_create(user=buyer, event_pk=event.pk, quantity=2, idempotency_key="k")
    again = purchase_create(user=buyer, event_pk=event.pk, quantity=2, idempotency_key="k")
    assert first.pk == again.pk
    assert _state(buyer, event) == (98_000, event.capacity - 2)
    with pytest.raises(IdempotencyConflict):
        purchase_create(user=buyer, event_pk=event.pk, quantity=3, idempotency_key="k")


@pytest.fixture
def reserved(buyer, make_event):
    return purchase_create(user=buyer, event_pk=make_event(price=10_000, capacity=5).pk, quantity=2)


def test_a_transition_applied_twice_changes_once(reserved):
    _, first = purchase_transition(purchase_id=reserved.pk, to=S.SOLVING)
    _, second = purchase_transition(purchase_id=reserved.pk, to=S.SOLVING)
    assert (first, second) == (True, False)
    assert reserved.history.count() == 2


def test_moves_outside_the_table_are_refused(reserved):
    with pytest.raises(TransitionNotAllowed):
        purchase_transition(purchase_id=reserved.pk, to=S.VALIDATED)


def test_a_transition_with_a_misspelt_field_is_refused_and_changes_nothing(reserved):
    with pytest.raises(TypeError, match="no field solution_list"):
        purchase_transition(purchase_id=reserved.pk, to=S.SOLVING, solution_list=[])

    reserved.refresh_from_db()
    assert reserved.status == S.RESERVED and reserved.history.count() == 1


def test_a_transition_writes_only_what_it_sets(reserved, monkeypatch):
    """A step writes some columns outside the transition's lock (the payment step records the
    master's job id after the purchase moved to solving, while the master's callback may
    already be moving it on): a transition must not write back what it read."""
    import uuid

    from payments.services import flow

    job_id = uuid.uuid4()
    write = flow.saved

    def meanwhile(instance, fields):  # after the transition's read, before its write
        Purchase.objects.filter(pk=instance.pk).update(master_job_id=job_id, last_error="x")
        write(instance, fields)

    monkeypatch.setattr(flow, "saved", meanwhile)
    purchase_transition(purchase_id=reserved.pk, to=S.SOLVING, challenges_total=5)

    reserved.refresh_from_db()
    assert (reserved.status, reserved.challenges_total) == (S.SOLVING, 5)
    assert (reserved.master_job_id, reserved.last_error) == (job_id, "x")


def test_a_rejection_refunds_once_and_gives_the_seats_back(reserved, buyer):
    event = reserved.event
    purchase_transition(purchase_id=reserved.pk, to=S.SOLVING)
    purchase_transition(purchase_id=reserved.pk, to=S.SUBMITTED)

    assert purchase_apply_verdict(purchase_id=reserved.pk, valid=False, source="sync") is True
    assert purchase_apply_verdict(purchase_id=reserved.pk, valid=False, source="webhook") is False
    assert purchase_apply_verdict(purchase_id=reserved.pk, valid=True, source="late") is False

    reserved.refresh_from_db()
    assert reserved.status == S.REJECTED and reserved.finished_at
    assert _state(buyer, event) == (100_000, 5)
    assert buyer.wallet.entries.filter(kind="refund").count() == 1
    assert buyer.wallet.balance == wallet_ledger_sum(wallet_id=buyer.wallet.pk)


def test_a_validated_purchase_keeps_the_money_and_never_changes_again(reserved, buyer):
    for to in (S.SOLVING, S.SUBMITTED):
        purchase_transition(purchase_id=reserved.pk, to=to)
    assert purchase_apply_verdict(purchase_id=reserved.pk, valid=True, source="sync")
    assert not purchase_apply_verdict(purchase_id=reserved.pk, valid=False, source="webhook")
    with pytest.raises(TransitionNotAllowed):
        purchase_transition(purchase_id=reserved.pk, to=S.EXPIRED)
    assert _state(buyer, reserved.event) == (80_000, 3)


def test_expiry_refunds_from_any_open_state(reserved, buyer):
    purchase_transition(purchase_id=reserved.pk, to=S.EXPIRED, reason="deadline")
    assert _state(buyer, reserved.event) == (100_000, 5)


@pytest.mark.django_db(transaction=True)
def test_a_purchase_survives_redis_being_down_when_its_payment_is_queued(
    buyer, make_event, settings
):
    settings.RQ_QUEUES = {**settings.RQ_QUEUES, "payments": {"URL": "redis://127.0.0.1:9/0"}}

    purchase = purchase_create(user=buyer, event_pk=make_event().pk, quantity=1)

    # Committed, money and seats taken; the reconciler pushes it once Redis is back.
    assert Purchase.objects.get(pk=purchase.pk).status == S.RESERVED
    assert _state(buyer, purchase.event)[0] == 100_000 - purchase.amount


def test_the_in_flight_count_is_the_orm_count_of_recent_unfinished_purchases(
    buyer, make_event, settings
):
    import datetime as dt

    from django.utils import timezone

    from payments.selectors import purchases_in_flight

    settings.WAITING_ROOM_IN_FLIGHT_SECONDS = 60
    event = make_event(price=100, capacity=20)
    made = [purchase_create(user=buyer, event_pk=event.pk, quantity=1) for _ in range(6)]
    purchase_transition(purchase_id=made[1].pk, to=S.SOLVING)
    purchase_transition(purchase_id=made[2].pk, to=S.SOLVING)
    purchase_transition(purchase_id=made[2].pk, to=S.SUBMITTED)
    purchase_transition(purchase_id=made[3].pk, to=S.REJECTED)  # final
    old = timezone.now() - dt.timedelta(seconds=61)  # stuck: the reconciler's, not the room's
    Purchase.objects.filter(pk=made[4].pk).update(created_at=old)

    orm = Purchase.objects.filter(
        status__in=[S.RESERVED, S.SOLVING, S.SUBMITTED],
        created_at__gte=timezone.now() - dt.timedelta(seconds=60),
    ).count()
    assert purchases_in_flight() == orm == 4  # made[0], [1], [2], [5]
