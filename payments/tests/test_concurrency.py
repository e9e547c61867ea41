"""Purchases racing for the same seats and the same money, with real PostgreSQL transactions."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from events.models import Event
from payments.models import Purchase
from payments.services import purchase_create
from ticketseller.errors import ServiceError
from wallet.models import LedgerEntry, Wallet
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes, lock = [], threading.Lock()

    def run(call):
        try:
            barrier.wait()
            call()
            outcome = "ok"
        except ServiceError as exc:
            outcome = exc.code
        except Exception as exc:  # kept and asserted on: nothing may fail otherwise
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _assert_money_and_seats_add_up(deposited: int) -> None:
    balances = Wallet.objects.aggregate(s=Sum("balance"))["s"] or 0
    in_purchases = Purchase.objects.aggregate(s=Sum("amount"))["s"] or 0  # none final yet
    assert balances + in_purchases == deposited
    assert not Wallet.objects.filter(balance__lt=0).exists()
    for wallet in Wallet.objects.all():
        assert wallet.balance == sum(wallet.entries.values_list("amount", flat=True))
    for event in Event.objects.all():
        sold = Purchase.objects.filter(event=event).aggregate(s=Sum("quantity"))["s"] or 0
        assert sold + event.available == event.capacity


def test_fifty_buyers_for_ten_seats_exactly_ten_succeed(requires_postgres, make_user, make_event):
    event = make_event(price=5_000, capacity=10)
    buyers = [make_user() for _ in range(50)]
    for buyer in buyers:
        wallet_deposit(wallet_id=buyer.wallet.pk, amount=20_000)

    outcomes = _race(
        [lambda b=b: purchase_create(user=b, event_pk=event.pk, quantity=1) for b in buyers]
    )

    assert outcomes.count("ok") == 10
    assert outcomes.count("sold_out") == 40, outcomes
    event.refresh_from_db()
    assert event.available == 0
    _assert_money_and_seats_add_up(deposited=50 * 20_000)


def test_one_user_with_money_for_three_firing_ten_at_once_gets_three(
    requires_postgres, make_user, make_event
):
    event = make_event(price=7_000, capacity=100)
    buyer = make_user()
    wallet_deposit(wallet_id=buyer.wallet.pk, amount=21_000)

    outcomes = _race(
        [lambda: purchase_create(user=buyer, event_pk=event.pk, quantity=1) for _ in range(10)]
    )

    assert outcomes.count("ok") == 3
    assert outcomes.count("insufficient_funds") == 7, outcomes
    buyer.wallet.refresh_from_db()
    assert buyer.wallet.balance == 0
    assert LedgerEntry.objects.filter(kind="purchase").count() == 3
    _assert_money_and_seats_add_up(deposited=21_000)


def test_two_hundred_buyers_at_once_for_one_event_buy_exactly_its_seats(
    requires_postgres, make_user, make_event
):
    """The on-sale rush at the database: 200 buys in the same instant (each its own
    connection) for 150 seats, some asking for two."""
    event = make_event(price=3_000, capacity=150)
    buyers = [make_user() for _ in range(200)]
    for buyer in buyers:
        wallet_deposit(wallet_id=buyer.wallet.pk, amount=10_000)
    wanted = {b.pk: 1 + i % 2 for i, b in enumerate(buyers)}

    outcomes = _race(
        [
            lambda b=b: purchase_create(user=b, event_pk=event.pk, quantity=wanted[b.pk])
            for b in buyers
        ]
    )

    assert len(outcomes) == 200
    assert set(outcomes) <= {"ok", "sold_out"}, outcomes
    event.refresh_from_db()
    sold = Purchase.objects.filter(event=event).aggregate(s=Sum("quantity"))["s"]
    assert sold == 150 - event.available
    assert event.available < 2  # sold out: no buyer was refused while two seats were left
    assert Purchase.objects.count() == outcomes.count("ok")
    _assert_money_and_seats_add_up(deposited=200 * 10_000)
