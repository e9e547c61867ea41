"""The reconciler against the reference exchange: one row that always fails never holds up
the others, and it is flagged for staff with back-off."""

import datetime as dt

import pytest
from django.utils import timezone

from exchange.service import challenge_hash
from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_create, purchase_transition, purchases_reconcile
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]
S = PurchaseStatus


def _paid_at_the_exchange(exchange, purchase) -> None:
    """Make the exchange hold a *valid* payment for this request id, as if someone had
    solved and submitted it behind our back: the seller can never apply that verdict."""
    ex = exchange.exchange
    event = ex.events_page(page=1)["events"][0]
    answer = ex.payment_create(
        body={"request_id": str(purchase.pk), "group_id": 20, "seller": 0,
              "event_id": event["event_id"], "quantity": 1, "value": event["price"]}
    )  # fmt: skip
    token = answer["deposit_token"]
    solutions = [
        {"challenge_id": c["challenge_id"], "secret": secret}
        for c in answer["challenges"]
        for secret in range(1, answer["max_secret"] + 1)
        if challenge_hash(token, c["challenge_id"], secret) == c["challenge_hash"]
    ]
    assert ex.solution_submit(body={"deposit_token": token, "challenges": solutions})["valid"]


def test_a_row_that_always_fails_does_not_stop_300_others_behind_it(
    exchange, make_user, make_event
):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=1_000_000)
    event = make_event(price=1_000, capacity=400)
    purchases = [purchase_create(user=user, event_pk=event.pk, quantity=1) for _ in range(301)]
    stuck = purchases[0]
    purchase_transition(purchase_id=stuck.pk, to=S.SOLVING)
    _paid_at_the_exchange(exchange, stuck)
    now = timezone.now()
    for age, purchase in enumerate(purchases):  # the stuck row is the most overdue: first
        Purchase.objects.filter(pk=purchase.pk).update(
            deadline=now - dt.timedelta(hours=1, seconds=-age)
        )

    first = purchases_reconcile(now=now, limit=200)
    second = purchases_reconcile(now=now, limit=200)

    assert (first["expired"], first["attention"]) == (199, 1)
    assert (second["expired"], second["attention"]) == (101, 0)  # the stuck row waits its turn
    others = Purchase.objects.exclude(pk=stuck.pk)
    assert others.filter(status=S.EXPIRED).count() == 300
    stuck.refresh_from_db()
    assert stuck.status == S.SOLVING  # never expired: the exchange says it was paid
    assert "says valid but the purchase is solving" in stuck.needs_attention
    assert stuck.attempts == 1 and stuck.next_attempt_at > now
    user.wallet.refresh_from_db()
    assert user.wallet.balance == 1_000_000 - 1_000  # 300 refunds, the stuck one kept

    later = purchases_reconcile(now=stuck.next_attempt_at + dt.timedelta(seconds=1))

    assert later["attention"] == 1
    stuck.refresh_from_db()
    assert stuck.attempts == 2 and stuck.status == S.SOLVING
