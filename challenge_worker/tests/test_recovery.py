"""Shards lost with their worker are queued again, once, and then solved."""

import datetime as dt

import django_rq
import pytest
from django.utils import timezone

from challenge_worker import jobs
from challenge_worker.broker import callback_rq_job_id
from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.services import (
    challenge_task_claim,
    challenge_tasks_recover,
)
from challenge_worker.tests.conftest import default_queue_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def _challenges():
    return django_rq.get_queue("challenges")


def _lose_to_a_dead_worker(task) -> None:
    """The worker took the RQ job off the queue, claimed the shard and was SIGKILLed."""
    _challenges().empty()
    assert challenge_task_claim(
        task_id=task.pk, worker_name="dead-worker", rq_job_id=task.rq_job_id
    )


def test_a_shard_running_on_a_dead_worker_is_queued_again_once_and_then_solved(job, run_workers):
    task = job.tasks.get()
    _lose_to_a_dead_worker(task)

    first = challenge_tasks_recover(lost_grace_seconds=0)
    second = jobs.challenge_tasks_recover()  # the clock's job, or a second recoverer

    assert first.requeued == [task.pk] and second["requeued"] == []
    task.refresh_from_db()
    assert (task.status, task.attempts, task.worker_name) == ("queued", 2, "")
    assert [j.id for j in _challenges().get_jobs()] == [f"cw-task-{task.pk}-2"] == [task.rq_job_id]

    run_workers("rescuer")

    task.refresh_from_db()
    job.refresh_from_db()
    assert (task.status, task.secret, task.worker_name) == ("solved", 4_321, "rescuer")
    assert job.status == MasterJob.Status.SOLVED
    assert len(default_queue_jobs()) == 1


def test_two_recoverers_at_once_queue_a_lost_shard_once(job):
    import threading

    from django.db import connection

    task = job.tasks.get()
    _lose_to_a_dead_worker(task)
    barrier = threading.Barrier(4)
    reports = []

    def recover():
        try:
            barrier.wait()
            reports.append(challenge_tasks_recover(lost_grace_seconds=0))
        finally:
            connection.close()

    threads = [threading.Thread(target=recover) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(len(r.requeued) for r in reports) == [0, 0, 0, 1]
    assert _challenges().count == 1


def test_a_shard_running_on_a_live_worker_is_left_alone(job, make_worker):
    worker = make_worker("alive-and-well")
    worker.prepare_solver()
    worker.register_birth()
    worker.start_liveness()
    task = job.tasks.get()
    _challenges().empty()
    rq_job = _challenges().enqueue_call(func="challenge_worker.jobs.challenge_solve",
                                        job_id=task.rq_job_id)  # fmt: skip
    rq_job.set_status("started")
    challenge_task_claim(task_id=task.pk, worker_name=worker.name, rq_job_id=rq_job.id)

    assert not challenge_tasks_recover(lost_grace_seconds=0)
    assert ChallengeTask.objects.get().status == "running"


def test_a_queued_shard_whose_rq_job_vanished_is_queued_again_after_the_grace_period(job):
    task = job.tasks.get()
    _challenges().empty()  # the enqueue after commit never reached Redis

    assert challenge_tasks_recover().requeued == []  # still within the grace period
    ChallengeTask.objects.update(enqueued_at=timezone.now() - dt.timedelta(seconds=60))
    assert challenge_tasks_recover().requeued == [task.pk]
    assert _challenges().count == 1


def test_a_shard_lost_too_often_is_given_up_and_fails_its_job(job):
    task = job.tasks.get()
    for _ in range(3):
        task.refresh_from_db()
        _lose_to_a_dead_worker(task)
        challenge_tasks_recover(lost_grace_seconds=0)

    task.refresh_from_db()
    job.refresh_from_db()
    assert (task.status, task.attempts, task.failures) == ("exhausted", 3, 3)
    assert job.status == MasterJob.Status.FAILED
    [callback] = default_queue_jobs()
    assert callback.kwargs["complete"] is False and callback.kwargs["solutions"] == []


def test_a_callback_that_never_reached_redis_is_sent_by_the_recoverer(job, run_workers):
    run_workers()
    django_rq.get_queue("payments").empty()  # as if Redis had been down at the time
    MasterJob.objects.update(
        callback_enqueued_at=None, finished_at=timezone.now() - dt.timedelta(minutes=1)
    )

    report = challenge_tasks_recover()
    again = challenge_tasks_recover()

    assert report.callbacks == [str(job.pk)] and again.callbacks == []
    assert [j.id for j in default_queue_jobs()] == [callback_rq_job_id(job.pk)]
