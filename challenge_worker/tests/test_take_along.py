"""A worker ending a cheap challenge job takes the cheap jobs waiting behind it along, in
the same RQ job (real burst workers, PostgreSQL and Redis); nothing taken is ever lost."""

import uuid

import django_rq
import pytest
from rq.job import Job
from rq.registry import FinishedJobRegistry
from rq.timeouts import JobTimeoutException

from challenge_worker import jobs, take_along
from challenge_worker.broker import CHEAP_PREFIX, get_queue, redis_client
from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.services import challenge_tasks_recover, master_job_create
from challenge_worker.tests.conftest import (
    default_queue_jobs,
    enqueued_long_ago,
    grace_passed,
    make_challenges,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _purchase_job(secrets_for, *, wide: bool = False) -> MasterJob:
    """A purchase's job: two challenges in [1, 99], one cheap RQ job. ``wide``: planned at
    1 candidate/s, so its batch is worth its own RQ job (it still scans 99 candidates)."""
    token = str(uuid.uuid4())
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, secrets_for(2, 99)),
        max_secret=99, **({"rate_per_s": 1.0, "max_shards": 1} if wide else {}),
    )  # fmt: skip
    return job


def _rq_ids(job: MasterJob) -> set[str]:
    return set(job.tasks.values_list("rq_job_id", flat=True))


def _finished() -> list[str]:
    return FinishedJobRegistry(queue=django_rq.get_queue("challenges")).get_job_ids()


def _all_solved_by(worker_names: set[str]) -> None:
    for job in MasterJob.objects.all():
        assert job.status == MasterJob.Status.SOLVED and job.callback_enqueued_at
    tasks = ChallengeTask.objects.all()
    assert {t.status for t in tasks} == {"solved"}
    assert {t.worker_name for t in tasks} <= worker_names
    assert len(default_queue_jobs()) == MasterJob.objects.count()  # one callback each


def test_a_cheap_job_takes_the_cheap_jobs_waiting_behind_it_along(secrets_for, run_workers):
    made = [_purchase_job(secrets_for) for _ in range(4)]
    assert all(_rq_ids(job) == {f"{CHEAP_PREFIX}{job.pk}-0"} for job in made)

    worker = run_workers("taker")

    _all_solved_by({worker.name})
    [ran] = _finished()  # the first one, which ran the three others
    assert ran == f"{CHEAP_PREFIX}{made[0].pk}-0"
    taken = [next(iter(_rq_ids(job))) for job in made[1:]]
    assert Job.fetch_many(taken, redis_client()) == [None] * 3  # deleted once recorded
    assert get_queue().count == 0


def test_no_more_than_the_budget_and_the_cap_are_taken_along(secrets_for, run_workers, settings):
    for _ in range(take_along.MAX_TAKEN + 3):
        _purchase_job(secrets_for)

    run_workers("capped")

    assert len(_finished()) == 2  # 1 + MAX_TAKEN, then 1 + 1
    _all_solved_by({"capped"})

    settings.CHALLENGE_TAKE_ALONG_SECONDS = 0
    for _ in range(3):
        _purchase_job(secrets_for)
    run_workers("no-budget")
    assert len(_finished()) == 2 + 3


def test_a_wide_job_is_never_taken_along_nor_anything_behind_it(secrets_for, run_workers):
    first, wide, last = (
        _purchase_job(secrets_for),
        _purchase_job(secrets_for, wide=True),
        _purchase_job(secrets_for),
    )
    assert not next(iter(_rq_ids(wide))).startswith(CHEAP_PREFIX)

    run_workers("fair")

    # the queue's order holds: the wide job stays for any worker, and it takes nothing along
    assert set(_finished()) == _rq_ids(first) | _rq_ids(wide) | _rq_ids(last)
    _all_solved_by({"fair"})


def _solver_raising_on(monkeypatch, task, exc: BaseException) -> None:
    """The solver raises `exc` on `task`'s challenge (until `monkeypatch.undo()`)."""
    real_solve = jobs.solve

    def solve(**kwargs):
        if kwargs["challenge_hash"] == task.challenge_hash:
            raise exc
        return real_solve(**kwargs)

    monkeypatch.setattr(jobs, "solve", solve)


def test_jobs_taken_along_by_a_worker_that_died_before_running_them_are_queued_again(
    secrets_for, run_workers
):
    made = [_purchase_job(secrets_for) for _ in range(3)]
    get_queue().remove(next(iter(_rq_ids(made[0]))))  # the dying worker's own job
    taken = take_along.take(5)  # ... and what it took along before it died
    assert [j.id for j in taken] == [next(iter(_rq_ids(job))) for job in made[1:]]
    assert redis_client().ttl(taken[0].key) > 0  # gone on its own if nothing else finds it
    enqueued_long_ago()

    recover = {"queued_grace_seconds": 5, "lost_grace_seconds": 5}
    assert challenge_tasks_recover(**recover).requeued == []  # it may be claiming them now
    grace_passed()
    requeued = challenge_tasks_recover(**recover).requeued
    assert sorted(requeued) == sorted(t.pk for job in made for t in job.tasks.all())

    run_workers("rescuer")
    _all_solved_by({"rescuer"})


def test_a_job_taken_along_whose_run_fails_is_marked_failed_and_its_shards_queued_again(
    secrets_for, run_workers, monkeypatch
):
    made = [_purchase_job(secrets_for) for _ in range(3)]
    _solver_raising_on(monkeypatch, made[1].tasks.first(), RuntimeError("the solver crashed"))
    run_workers("crashing")

    [ran] = _finished()  # the crash did not fail the RQ job that took it along ...
    assert ran == next(iter(_rq_ids(made[0])))
    assert made[2].tasks.filter(status="solved").count() == 2  # ... nor the one after it
    assert Job.fetch(next(iter(_rq_ids(made[1]))), redis_client()).get_status() == "failed"
    assert set(made[1].tasks.values_list("status", flat=True)) == {"running"}

    requeued = challenge_tasks_recover(lost_grace_seconds=0).requeued
    assert sorted(requeued) == sorted(made[1].tasks.values_list("pk", flat=True))
    monkeypatch.undo()
    run_workers("rescuer")
    _all_solved_by({"crashing", "rescuer"})
    assert set(made[1].tasks.values_list("failures", flat=True)) == {1}


def test_when_its_time_is_up_the_taker_stops_and_every_job_it_took_is_found_again(
    secrets_for, run_workers, monkeypatch
):
    made = [_purchase_job(secrets_for) for _ in range(3)]
    # as RQ's death penalty does, in the middle of the job it took along
    _solver_raising_on(monkeypatch, made[1].tasks.first(), JobTimeoutException("time is up"))
    run_workers("late")

    rq_ids = [next(iter(_rq_ids(job))) for job in made]
    first, timed_out, never_run = Job.fetch_many(rq_ids, redis_client())
    assert first.get_status() == timed_out.get_status() == "failed"
    assert never_run.get_status() == "queued" and not get_queue().count  # taken, not run
    assert made[0].tasks.filter(status="solved").count() == 2  # recorded before the timeout
    assert set(made[1].tasks.values_list("status", flat=True)) == {"running"}
    assert set(made[2].tasks.values_list("status", flat=True)) == {"queued"}

    enqueued_long_ago()
    recover = {"queued_grace_seconds": 5, "lost_grace_seconds": 5}
    assert sorted(challenge_tasks_recover(**recover).requeued) == sorted(
        made[1].tasks.values_list("pk", flat=True)
    )  # the failed one at once; the one never run once the grace has passed
    grace_passed()
    assert sorted(challenge_tasks_recover(**recover).requeued) == sorted(
        made[2].tasks.values_list("pk", flat=True)
    )
    monkeypatch.undo()
    run_workers("rescuer")
    _all_solved_by({"late", "rescuer"})
