"""Tickets give way to a rush: the delivery worker takes no new job while the pipeline is
busy, and never holds one back longer than DELIVERY_GIVE_WAY_MAX_SECONDS. Real Redis, real
PostgreSQL, and a real worker process for the whole behaviour."""

import datetime as dt
import os

import pytest
from rq.job import Job

from payments.delivery.models import TicketFile
from payments.delivery.services import delivery_enqueue
from payments.delivery.worker import GIVING_WAY, DeliveryWorker, warm_up
from payments.models import PurchaseStatus
from payments.services import purchase_transition
from payments.tests import stack
from payments.tests.stack import Processes, wait_for

S = PurchaseStatus
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(queue):
    return DeliveryWorker([queue], connection=queue.connection)


@pytest.fixture
def busy(settings, make_purchase):
    """Three purchases in flight, with the worker told to give way from three."""
    settings.DELIVERY_GIVE_WAY_IN_FLIGHT = 3
    settings.DELIVERY_GIVE_WAY_MAX_SECONDS = 30
    return [make_purchase(S.RESERVED, quantity=1) for _ in range(3)]


def _queued_delivery(make_purchase, queue):
    purchase = make_purchase(S.VALIDATED, quantity=1)  # empties the queue it filled
    assert delivery_enqueue(purchase_id=purchase.pk)
    assert queue.count == 1
    return purchase


def test_a_young_delivery_waits_while_the_pipeline_is_busy(busy, make_purchase, queue, worker):
    _queued_delivery(make_purchase, queue)
    assert worker.must_wait()


def test_a_delivery_goes_at_once_when_fewer_purchases_are_in_flight(
    busy, make_purchase, queue, worker
):
    _queued_delivery(make_purchase, queue)
    purchase_transition(purchase_id=busy[0].pk, to=S.EXPIRED, reason="test")  # 2 left
    assert not worker.must_wait()
    assert worker.give_way() == 0.0


def test_no_delivery_is_held_back_longer_than_the_maximum(busy, make_purchase, queue, worker):
    _queued_delivery(make_purchase, queue)
    job = Job.fetch(queue.get_job_ids()[0], connection=queue.connection)
    job.enqueued_at -= dt.timedelta(seconds=31)  # queued 31 s ago
    job.save()
    assert not worker.must_wait()


def test_an_empty_queue_or_a_switched_off_setting_never_waits(
    busy, make_purchase, queue, worker, settings
):
    assert not worker.must_wait()  # nothing queued: the next job is taken as it comes
    _queued_delivery(make_purchase, queue)
    settings.DELIVERY_GIVE_WAY_IN_FLIGHT = 0
    assert not worker.must_wait()


def test_the_worker_process_holds_tickets_through_a_rush_and_delivers_when_it_eases(
    busy, make_purchase, queue, settings, tmp_path
):
    purchase = _queued_delivery(make_purchase, queue)
    env = {
        **os.environ,
        "DATABASE_URL": stack.test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DELIVERY_GIVE_WAY_IN_FLIGHT": "3",
        "DELIVERY_GIVE_WAY_MAX_SECONDS": "60",
    }
    processes = Processes(env)
    processes.start(
        "delivery", "rqworker", "delivery", "--worker-class",
        "payments.delivery.worker.DeliveryWorker",
    )  # fmt: skip
    try:
        (waiting,) = wait_for(
            lambda: [w for w in DeliveryWorker.all(queue=queue) if w.get_state() == GIVING_WAY],
            timeout=60, what="the worker to give way",
        )  # fmt: skip
        seen_alive = waiting.last_heartbeat
        wait_for(
            lambda: waiting.refresh() or waiting.last_heartbeat > seen_alive,
            timeout=10, what="a heartbeat while it waits",
        )  # fmt: skip
        assert waiting.get_state() == GIVING_WAY
        assert queue.count == 1 and not TicketFile.objects.filter(purchase=purchase).exists()

        for held in busy:  # the rush eases: its purchases end
            purchase_transition(purchase_id=held.pk, to=S.EXPIRED, reason="test")
        wait_for(
            lambda: TicketFile.objects.filter(purchase=purchase, rendered_at__isnull=False),
            timeout=30, what="the ticket",
        )  # fmt: skip
    finally:
        processes.stop_all()


def test_a_delivery_worker_warms_up_before_its_first_job(settings):
    """The renderer, the email templates and the URL tables are loaded as the worker starts:
    a fresh worker's first delivery cost ten warm ones, taken from a rush's first purchases."""
    from django.template import engines
    from django.urls import clear_url_caches, get_resolver

    clear_url_caches()
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()  # the cached loader, as in production: start it empty
    warm_up()
    assert set(get_resolver()._reverse_dict) == {code for code, _ in settings.LANGUAGES}
    assert {"emails/ticket_ready.html", "emails/refunded.txt"} <= set(loader.get_template_cache)


def test_a_database_that_cannot_answer_lets_the_delivery_go(
    busy, make_purchase, queue, worker, monkeypatch
):
    """Holding tickets back is a courtesy: a failing gauge never stops the worker."""
    from django import db

    from payments.delivery import worker as worker_module

    _queued_delivery(make_purchase, queue)

    def gauge_fails():
        raise db.InterfaceError("connection already closed")

    monkeypatch.setattr(worker_module, "purchases_in_flight", gauge_fails)
    assert not worker.must_wait()
