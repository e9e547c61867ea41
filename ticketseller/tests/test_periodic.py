"""The clock's periodic jobs: one run at a time on "maintenance", and a run lost by a paused or
dead worker is queued again. Real Redis and real RQ workers."""

import django_rq
import pytest
from rq import SimpleWorker
from rq.job import Job, JobStatus

from ticketseller.periodic import LostJobs, Periodic, periodic_enqueue, periodic_tick

pytestmark = pytest.mark.django_db(transaction=True)
TASK = "ticketseller.tests.test_periodic.tick"
RUNS = []


def tick():
    RUNS.append(1)


@pytest.fixture
def maintenance(redis_flushed, settings):
    settings.CLOCK_LOST_JOB_GRACE_SECONDS = 10
    RUNS.clear()
    return django_rq.get_queue("maintenance")


def _run_worker(queue):
    SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")


def _take_like_a_worker_that_then_pauses(queue, job_id):
    """What a worker does before it marks a job started: move it off the queue."""
    assert queue.connection.lmove(queue.key, queue.intermediate_queue_key).decode() == job_id


def test_a_periodic_job_is_queued_once_on_maintenance_while_it_waits(maintenance):
    task, lost = Periodic(TASK, every=1), LostJobs()

    assert periodic_enqueue(task, lost=lost, now=0) == "enqueued"
    assert periodic_enqueue(task, lost=lost, now=100) == "busy"  # still on the queue

    assert maintenance.job_ids == [task.job_id]
    _run_worker(maintenance)
    assert RUNS == [1]
    assert periodic_enqueue(task, lost=lost, now=101) == "enqueued"  # finished: due again


def test_a_run_taken_by_a_worker_that_never_starts_it_is_queued_again_after_the_grace(
    maintenance,
):
    task, lost = Periodic(TASK, every=1), LostJobs()
    periodic_enqueue(task, lost=lost, now=0)
    _take_like_a_worker_that_then_pauses(maintenance, task.job_id)
    assert Job.fetch(task.job_id, connection=maintenance.connection).get_status() == "queued"

    assert periodic_enqueue(task, lost=lost, now=1) == "busy"  # first seen lost: the grace
    assert periodic_enqueue(task, lost=lost, now=5) == "busy"
    assert periodic_enqueue(task, lost=lost, now=12) == "requeued"

    assert maintenance.job_ids == [task.job_id]
    assert maintenance.connection.llen(maintenance.intermediate_queue_key) == 0
    _run_worker(maintenance)
    assert RUNS == [1]


def test_a_run_started_by_a_worker_that_is_gone_is_queued_again(maintenance):
    task, lost = Periodic(TASK, every=1), LostJobs()
    periodic_enqueue(task, lost=lost, now=0)
    worker = SimpleWorker([maintenance], connection=maintenance.connection, name="gone-worker")
    worker.register_birth()
    job, _queue = worker.dequeue_job_and_maintain_ttl(timeout=1)
    worker.prepare_execution(job)
    worker.prepare_job_execution(job)  # started, in the started registry, then the worker ...
    assert job.get_status() == JobStatus.STARTED
    assert periodic_enqueue(task, lost=lost, now=1) == "busy"  # alive: it is running

    worker.register_death()  # ... is gone (stopped, or its registration expired)

    assert periodic_enqueue(task, lost=lost, now=2) == "requeued"
    assert maintenance.job_ids == [task.job_id]
    assert task.job_id not in maintenance.started_job_registry.get_job_ids()
    _run_worker(maintenance)
    assert RUNS == [1]


def test_the_clock_schedules_the_delivery_sweep_with_the_other_periodic_jobs(maintenance):
    from ticketseller.periodic import schedule

    tasks = schedule()
    periodic_tick(tasks, lost=LostJobs())

    assert {t.job for t in tasks} >= {
        "payments.jobs.purchases_reconcile",
        "challenge_worker.jobs.challenge_tasks_recover",
        "payments.delivery.jobs.deliveries_sweep",
        "events.jobs.events_sync",
    }
    assert sorted(maintenance.job_ids) == sorted(t.job_id for t in tasks)
