import django_rq
import pytest
from rest_framework.test import APIClient
from rq import Worker

from challenge_worker.broker import alive_key, get_queue, redis_client
from challenge_worker.selectors import workers_alive
from payments.tests.stack import wait_for

pytestmark = [pytest.mark.urls("challenge_worker.urls"), pytest.mark.django_db]


@pytest.fixture
def live_worker(make_worker):
    """A worker as `rqworker` starts one (registered, warm, liveness key), minus the loop."""

    def start(name: str):
        worker = make_worker(name)
        worker.prepare_solver()
        worker.register_birth()
        worker.start_liveness()
        return worker

    return start


def test_without_workers_the_heartbeat_is_503_unavailable():
    response = APIClient().get("/heartbeat")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable", "workers": 0, "queued": 0, "busy": 0, "workers_detail": [],
    }  # fmt: skip


def test_a_live_worker_makes_the_heartbeat_ok_with_its_backend_and_rate(live_worker):
    worker = live_worker("w-1")
    get_queue().enqueue_call(func="challenge_worker.jobs.challenge_solve")  # waits: no loop

    response = APIClient().get("/heartbeat/")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "workers", "queued", "busy")} == {
        "status": "ok", "workers": 1, "queued": 1, "busy": 0,
    }  # fmt: skip
    [detail] = body["workers_detail"]
    assert detail["name"] == "w-1" and detail["backend"] == "python" and not detail["busy"]
    assert detail["rate"] == pytest.approx(worker.runtime.rate, rel=0.01)


def test_a_worker_on_a_task_counts_as_busy(live_worker):
    worker = live_worker("w-busy")
    live_worker("w-idle")

    worker.runtime.set_current_task(42)  # what challenge_solve does around a solve

    body = APIClient().get("/heartbeat").json()
    assert (body["workers"], body["busy"]) == (2, 1)
    assert {w.name: w.current_task for w in workers_alive()} == {"w-busy": 42, "w-idle": None}


def test_the_liveness_key_expires_within_worker_alive_ttl(live_worker, settings):
    live_worker("w-ttl")

    ttl = redis_client().ttl(alive_key("w-ttl"))

    assert 0 < ttl <= settings.WORKER_ALIVE_TTL


def test_a_sigkilled_worker_stops_counting_when_its_liveness_key_is_gone(live_worker):
    worker = live_worker("w-killed")
    worker.stop_liveness()  # SIGKILL: the thread is gone, and the key lapses ...
    redis_client().delete(alive_key("w-killed"))  # ... which we do not wait for here

    response = APIClient().get("/heartbeat")

    # RQ still lists it (its key lives worker_ttl + 60 s), the master does not.
    assert Worker.count(queue=django_rq.get_queue("challenges")) == 1
    assert response.status_code == 503 and response.json()["workers"] == 0


def test_a_cleanly_stopped_worker_stops_counting_at_once(live_worker):
    worker = live_worker("w-gone")

    worker.teardown()  # what a warm shutdown ends with

    assert APIClient().get("/heartbeat").status_code == 503
    assert workers_alive() == []


def test_workers_count_again_once_redis_lost_everything_and_they_refreshed(live_worker):
    live_worker("w-survivor")
    redis_client().flushdb()  # a Redis restart without persistence: RQ's registry is gone too
    assert APIClient().get("/heartbeat").status_code == 503

    wait_for(lambda: workers_alive(), timeout=10, what="the worker's next liveness refresh")

    assert Worker.count(queue=django_rq.get_queue("challenges")) == 0  # RQ still forgot it
    body = APIClient().get("/heartbeat").json()
    assert (body["status"], body["workers"]) == ("ok", 1)


def _busy_as_published(name: str):
    return {w.name: w.current_task for w in workers_alive()}[name]


def test_a_long_scan_is_announced_as_it_starts_and_as_it_ends(live_worker):
    worker = live_worker("w-long")

    with worker.runtime.working_on(7, expected_seconds=30):
        assert _busy_as_published("w-long") == 7
    assert _busy_as_published("w-long") is None


def test_a_scan_shorter_than_two_round_trips_is_not_announced(live_worker):
    from challenge_worker.runtime import ANNOUNCE_SECONDS

    worker = live_worker("w-short")
    published = []
    worker.runtime.on_change = lambda: published.append(worker.runtime.current_task)

    with worker.runtime.working_on(8, expected_seconds=ANNOUNCE_SECONDS / 10):
        assert _busy_as_published("w-short") is None  # the key still says idle
    assert published == []


def test_a_short_scan_a_refresh_published_is_cleared_as_it_ends(live_worker):
    worker = live_worker("w-caught")

    with worker.runtime.working_on(9, expected_seconds=0.001):
        worker.publish_alive()  # the periodic refresh, during the scan
        assert _busy_as_published("w-caught") == 9
    assert _busy_as_published("w-caught") is None  # not left busy until the next refresh
