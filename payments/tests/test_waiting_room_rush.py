"""An on-sale rush through the waiting room over real HTTP: 100 buyers at once, each its own
user and thread, with admission capped at a small rate (see rush.py); then the same rush on
the live pipeline, where every purchase must end validated."""

import datetime as dt

import pytest
from django.utils import timezone

from events.models import Event
from payments.models import PurchaseStatus
from payments.tests.conftest import assert_books_balance
from payments.tests.rush import WITHIN, assert_fair_rush, line_closed, rush_buyers, rush_run

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("requires_postgres"),
]
BUYERS = 100


def test_a_hundred_buyers_at_once_get_places_are_admitted_in_order_and_all_buy(
    live_server, redis_flushed, settings, make_user, make_event
):
    line_closed(settings)
    # No pipeline runs here (purchases stay reserved): admission is paced by the rate alone.
    settings.WAITING_ROOM_MAX_IN_FLIGHT = 0
    event = make_event(
        capacity=BUYERS, price=1_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1)
    )
    buyers = rush_buyers(make_user, BUYERS, settings)

    rush_run(live_server.url, event, buyers, settings)

    assert_fair_rush(buyers, event)


def test_a_rush_through_the_room_ends_with_every_purchase_validated(
    stack, settings, make_user, event
):
    """The same rush on the live pipeline (exchange, master, workers, jobs)."""
    stack.processes.jobs_worker()
    stack.processes.challenge_worker("w1")
    stack.processes.challenge_worker("w2")
    stack.wait_workers(2)
    line_closed(settings)
    Event.objects.filter(pk=event.pk).update(on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    event.refresh_from_db()
    buyers = rush_buyers(make_user, BUYERS, settings)

    rush_run(stack.web_url, event, buyers, settings)

    assert_fair_rush(buyers, event)
    finals = [stack.wait_final(b.purchase_id, timeout=WITHIN).status for b in buyers]
    assert set(finals) == {PurchaseStatus.VALIDATED}
    assert_books_balance()
