"""Work lost between the queue and a worker, or with Redis, is found once its grace has
passed; only losses of running shards count towards giving up (real Redis, PostgreSQL)."""

import pytest

from challenge_worker.broker import get_queue, redis_client, suspect_key
from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.services import (
    MAX_ATTEMPTS,
    challenge_task_claim,
    challenge_tasks_recover,
    master_job_create,
)
from challenge_worker.tests.conftest import (
    default_queue_jobs,
    enqueued_long_ago,
    grace_passed,
    make_challenges,
)

pytestmark = pytest.mark.django_db(transaction=True)
GRACE = 5.0


def _recover():
    return challenge_tasks_recover(queued_grace_seconds=GRACE, lost_grace_seconds=GRACE)


def _taken_by_a_worker_then_paused() -> str:
    """What a worker blocked in BLPOP does when SIGSTOPped: Redis hands it the RQ job, which
    leaves the queue's list and stays "queued", and nothing runs it."""
    rq_job_id = redis_client().lpop(get_queue().key).decode()
    assert get_queue().fetch_job(rq_job_id).get_status() == "queued"
    return rq_job_id


def _live(make_worker, name):
    worker = make_worker(name)
    worker.prepare_solver()
    worker.start_liveness()
    return worker


def test_a_shard_taken_off_the_queue_and_never_started_is_queued_again_after_the_grace(
    job, run_workers
):
    task = job.tasks.get()
    held = _taken_by_a_worker_then_paused()
    enqueued_long_ago()

    assert _recover().requeued == []  # first sighting: the worker may be starting it now
    grace_passed()
    assert _recover().requeued == [task.pk]

    task.refresh_from_db()
    assert (task.status, task.attempts, task.failures) == ("queued", 2, 0)
    assert get_queue().job_ids == [task.rq_job_id] != [held]
    # The paused worker wakes up and runs the RQ job it held: its claim loses.
    assert challenge_task_claim(task_id=task.pk, worker_name="woke-up", rq_job_id=held) is None
    run_workers("rescuer")
    task.refresh_from_db()
    assert (task.status, task.worker_name) == ("solved", "rescuer")
    assert len(default_queue_jobs()) == 1


def test_shards_waiting_their_turn_on_the_queue_are_left_alone(token, secrets_for):
    master_job_create(
        deposit_token=token, challenges=make_challenges(token, secrets_for(5, 99)),
        max_secret=99, max_shards=1, rate_per_s=1.0,
    )  # fmt: skip
    enqueued_long_ago()

    _recover()
    grace_passed()

    assert not _recover()
    assert set(ChallengeTask.objects.values_list("attempts", flat=True)) == {1}


def test_a_shard_started_by_a_worker_that_died_before_claiming_it_is_queued_again(job):
    task = job.tasks.get()
    rq_job = get_queue().fetch_job(_taken_by_a_worker_then_paused())
    rq_job.worker_name = "died-after-start"
    rq_job.set_status("started")
    rq_job.save()
    enqueued_long_ago()

    assert _recover().requeued == []
    grace_passed()
    assert _recover().requeued == [task.pk]
    assert ChallengeTask.objects.get().failures == 0


def test_a_running_shard_whose_worker_went_silent_is_queued_again_after_the_grace(job):
    task = job.tasks.get()
    challenge_task_claim(task_id=task.pk, worker_name="silent", rq_job_id=task.rq_job_id)

    assert _recover().requeued == []
    grace_passed()
    assert _recover().requeued == [task.pk]

    task.refresh_from_db()
    assert (task.status, task.attempts, task.failures) == ("queued", 2, 1)


def test_a_worker_back_within_the_grace_keeps_its_shard_and_starts_afresh(job, make_worker):
    worker = _live(make_worker, "flaky")
    task = job.tasks.get()
    challenge_task_claim(task_id=task.pk, worker_name="flaky", rq_job_id=task.rq_job_id)
    redis_client().flushdb()  # Redis restarted without its data: liveness and RQ job gone

    assert _recover().requeued == []
    assert redis_client().exists(suspect_key("worker:flaky"))
    worker.publish_alive()  # its next refresh
    grace_passed()

    assert not _recover()
    assert not redis_client().exists(suspect_key("worker:flaky"))  # a later silence waits again
    assert ChallengeTask.objects.get().status == "running"


def test_redis_losing_its_data_again_and_again_never_gives_a_shard_up(job, run_workers):
    task = job.tasks.get()
    for _ in range(MAX_ATTEMPTS + 2):
        redis_client().flushdb()
        enqueued_long_ago()
        assert _recover().requeued == [task.pk]

    task.refresh_from_db()
    assert (task.status, task.attempts, task.failures) == ("queued", MAX_ATTEMPTS + 3, 0)
    run_workers()
    assert MasterJob.objects.get().status == MasterJob.Status.SOLVED


def test_a_long_backlog_is_checked_in_one_pass_and_only_the_taken_job_is_suspected(token):
    master_job_create(
        deposit_token=token, challenges=make_challenges(token, {i: 1 for i in range(1, 31)}),
        max_secret=99, max_shards=1, rate_per_s=1.0,
    )  # fmt: skip
    held = _taken_by_a_worker_then_paused()
    held_tasks = list(ChallengeTask.objects.filter(rq_job_id=held).values_list("pk", flat=True))
    enqueued_long_ago()

    _recover()
    grace_passed()

    [lost] = _recover().requeued
    assert [lost] == held_tasks
