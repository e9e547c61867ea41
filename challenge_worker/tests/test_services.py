"""The services applied twice, and raced: one job per token, one completion per job."""

import threading
import uuid

import pytest
from django.db import connection

from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.selectors import WorkerInfo
from challenge_worker.services import (
    challenge_task_claim,
    challenge_task_record_result,
    challenge_tasks_recover,
    master_job_create,
    shard_plan,
)
from challenge_worker.tests.conftest import default_queue_jobs, make_challenges
from ticketseller.errors import InvalidInput

pytestmark = pytest.mark.django_db(transaction=True)


def _in_threads(n: int, target) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def _solve_by_hand(task, secret, worker="w"):
    claimed = challenge_task_claim(task_id=task.pk, worker_name=worker)
    return challenge_task_record_result(
        task_id=task.pk, attempt=claimed.attempts, secret=secret, tried=secret, seconds=0.1,
        backend="python",
    )  # fmt: skip


def test_creating_the_same_job_from_racing_requests_records_it_once(token):
    challenges = make_challenges(token, {1: 5, 2: 6})

    results = _in_threads(
        4, lambda i: master_job_create(deposit_token=token, challenges=challenges, max_secret=99)
    )

    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({job.pk for job, _ in results}) == 1
    assert MasterJob.objects.count() == 1 and ChallengeTask.objects.count() == 2


def test_a_shard_is_claimed_by_one_worker_only(token):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 5}), max_secret=99
    )
    task = job.tasks.get()

    claims = _in_threads(4, lambda i: challenge_task_claim(task_id=task.pk, worker_name=f"w{i}"))

    winners = [c for c in claims if c is not None]
    assert len(winners) == 1
    task.refresh_from_db()
    job.refresh_from_db()
    assert task.status == "running" and task.worker_name == winners[0].worker_name
    assert job.status == MasterJob.Status.SOLVING and job.started_at


def test_recording_the_same_result_twice_changes_nothing_the_second_time(token):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 5}), max_secret=99
    )
    task = job.tasks.get()
    first = _solve_by_hand(task, 5)

    again = challenge_task_record_result(
        task_id=task.pk, attempt=1, secret=5, tried=5, seconds=9.9, backend="other"
    )

    assert first.status == again.status == "solved"
    assert (again.seconds, again.backend) == (0.1, "python")
    assert len(default_queue_jobs()) == 1


def test_a_secret_outside_the_shard_is_refused(token):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 5}), max_secret=99
    )
    task = job.tasks.get()
    challenge_task_claim(task_id=task.pk, worker_name="w")

    with pytest.raises(InvalidInput):
        challenge_task_record_result(
            task_id=task.pk, attempt=1, secret=100, tried=100, seconds=0.1, backend="python"
        )


def test_the_last_two_challenges_finishing_at_once_complete_the_job_exactly_once(token):
    secrets = {1: 11, 2: 22, 3: 33}
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, secrets), max_secret=99
    )
    tasks = {int(t.challenge_id): t for t in job.tasks.all()}
    _solve_by_hand(tasks[1], 11)
    for cid in (2, 3):
        challenge_task_claim(task_id=tasks[cid].pk, worker_name=f"w{cid}")

    _in_threads(
        2,
        lambda i: challenge_task_record_result(
            task_id=tasks[i + 2].pk, attempt=1, secret=secrets[i + 2], tried=1, seconds=0.1,
            backend="python",
        ),
    )  # fmt: skip

    job.refresh_from_db()
    assert job.status == MasterJob.Status.SOLVED
    [callback] = default_queue_jobs()
    assert callback.kwargs["complete"] is True
    assert callback.kwargs["solutions"] == [
        {"challenge_id": cid, "secret": s} for cid, s in secrets.items()
    ]


def test_an_exhausted_report_from_a_claim_the_recoverer_replaced_is_ignored(token):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 5}), max_secret=99
    )
    task = job.tasks.get()
    stale = challenge_task_claim(task_id=task.pk, worker_name="presumed-dead")
    assert challenge_tasks_recover(lost_grace_seconds=0).requeued == [task.pk]  # not alive

    challenge_task_record_result(
        task_id=task.pk, attempt=stale.attempts, secret=None, tried=99, seconds=1, backend="x"
    )

    task.refresh_from_db()
    assert (task.status, task.attempts) == ("queued", 2)
    assert MasterJob.objects.get().status == MasterJob.Status.SOLVING


def test_a_secret_from_a_replaced_claim_is_ignored_and_the_new_attempt_reports_once(token):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 5}), max_secret=99
    )
    task = job.tasks.get()
    stale = challenge_task_claim(task_id=task.pk, worker_name="paused", rq_job_id=task.rq_job_id)
    challenge_tasks_recover(lost_grace_seconds=0)

    late = challenge_task_record_result(
        task_id=task.pk, attempt=stale.attempts, secret=5, tried=5, seconds=1, backend="x"
    )

    assert (late.status, late.secret) == ("queued", None)
    # the paused worker's RQ job cannot claim the shard again either
    assert (
        challenge_task_claim(task_id=task.pk, worker_name="paused", rq_job_id=stale.rq_job_id)
        is None
    )
    current = ChallengeTask.objects.get()
    fresh = challenge_task_claim(task_id=task.pk, worker_name="w2", rq_job_id=current.rq_job_id)
    challenge_task_record_result(
        task_id=task.pk, attempt=fresh.attempts, secret=5, tried=5, seconds=1, backend="python"
    )
    assert (ChallengeTask.objects.get().status, ChallengeTask.objects.get().worker_name) == (
        "solved",
        "w2",
    )
    assert MasterJob.objects.get().status == MasterJob.Status.SOLVED
    assert len(default_queue_jobs()) == 1


@pytest.mark.django_db
def test_default_max_secret_stays_one_shard_and_wide_ranges_are_split():
    def plan(max_secret, n=1, workers=(), **kw):
        return shard_plan(max_secret=max_secret, challenge_count=n, workers=list(workers), **kw)

    assert plan(500_000) == [(1, 500_000)]  # 0.17 s at the python rate: not worth splitting
    fast = [WorkerInfo(f"w{i}", "simd", 50e6, 1, "h", "", None) for i in range(8)]
    assert len(plan(10**9, workers=fast)) == 8  # 20 s at 50 M/s: one shard per worker
    assert len(plan(10**9, n=4, workers=fast)) == 2  # four challenges share eight workers
    assert plan(4_000_000, workers=fast) == [(1, 4_000_000)]  # 80 ms at 50 M/s
    shards = plan(10**9)  # no worker alive: python rate, two shards
    assert shards[0][0] == 1 and shards[-1][1] == 10**9 and len(shards) == 2


def test_batch_plan_groups_cheap_shards_and_leaves_expensive_ones_alone():
    from challenge_worker.services import batch_plan

    # SIMD speed: five default challenges (~10 ms each) make one job.
    assert batch_plan([500_000] * 5, rate_per_s=50_000_000) == [[0, 1, 2, 3, 4]]
    # Pure-Python speed: each challenge (~170 ms) is worth its own job.
    assert batch_plan([500_000] * 5, rate_per_s=3_000_000) == [[0], [1], [2], [3], [4]]
    # In between: groups of about 0.1 s of hashing, in order, covering every shard once.
    groups = batch_plan([500_000] * 5, rate_per_s=10_000_000)
    assert [i for g in groups for i in g] == [0, 1, 2, 3, 4] and groups[0] == [0, 1]


def test_the_progress_the_web_reads_counts_each_solved_challenge_once(token):
    """The master's side of the progress contract (docs/api.md, "Progress") read through
    the web's own client: none yet, then one of two, then two, even after a repeated report."""
    from payments.master_client import job_progress

    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 11, 2: 22}), max_secret=100
    )
    first, second = job.tasks.order_by("challenge_id")
    assert job_progress(job_id=str(job.pk)) is None

    _solve_by_hand(first, 11)
    assert job_progress(job_id=str(job.pk)) == 1
    again = challenge_task_record_result(
        task_id=first.pk, attempt=1, secret=11, tried=11, seconds=0.1, backend="python"
    )
    assert again.status == ChallengeTask.Status.SOLVED
    assert job_progress(job_id=str(job.pk)) == 1

    _solve_by_hand(second, 22)
    assert job_progress(job_id=str(job.pk)) == 2


def test_a_batch_is_claimed_and_recorded_at_once_and_its_job_settles_once(token):
    """Five cheap challenges in one RQ job: one claim, one recording, one callback; a shard
    that is not queued any more (another worker took it) is left out of the claim."""
    from challenge_worker.services import ShardReport, challenge_tasks_claim
    from challenge_worker.services import challenge_tasks_record_results as record

    secrets = {i: 10 * i for i in range(1, 6)}
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, secrets), max_secret=100
    )
    tasks = list(job.tasks.order_by("challenge_id"))
    taken_elsewhere = challenge_task_claim(task_id=tasks[0].pk, worker_name="other")

    claimed = challenge_tasks_claim(task_ids=[t.pk for t in tasks], worker_name="w")
    assert [t.pk for t in claimed] == [t.pk for t in tasks[1:]]
    assert {t.status for t in claimed} == {ChallengeTask.Status.RUNNING}

    def report(task, secret):
        return ShardReport(task.pk, task.attempts, secret, secret, 0.01, "python")

    recorded = record(reports=[report(t, secrets[int(t.challenge_id)]) for t in claimed])
    assert {t.status for t in recorded} == {ChallengeTask.Status.SOLVED}
    job.refresh_from_db()
    assert job.status == MasterJob.Status.SOLVING  # the shard taken elsewhere is still out

    last = challenge_task_record_result(
        task_id=tasks[0].pk, attempt=taken_elsewhere.attempts, secret=10, tried=10,
        seconds=0.1, backend="python",
    )  # fmt: skip
    assert last.status == ChallengeTask.Status.SOLVED
    assert record(reports=[report(t, secrets[int(t.challenge_id)]) for t in claimed])
    job.refresh_from_db()
    assert job.status == MasterJob.Status.SOLVED
    assert len(default_queue_jobs()) == 1  # the callback, once


def test_a_batch_costs_a_handful_of_statements(token, django_assert_max_num_queries):
    """Bookkeeping must stay cheaper than hashing: a purchase's five cheap challenges are
    claimed in five statements written once per process and recorded, settled and handed
    to payments in five (each count adds its transaction's BEGIN and COMMIT). It was six
    and ten, then four ORM-built ones (a join to find the job) and five."""
    from challenge_worker.services import ShardReport, challenge_tasks_claim
    from challenge_worker.services import challenge_tasks_record_results as record

    secrets = {i: 10 * i for i in range(1, 6)}
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, secrets), max_secret=100
    )
    ids = list(job.tasks.order_by("challenge_id").values_list("pk", flat=True))
    with django_assert_max_num_queries(5 + 2):
        claimed = challenge_tasks_claim(task_ids=ids, worker_name="w")
    reports = [
        ShardReport(t.pk, t.attempts, secrets[int(t.challenge_id)], 1, 0.01, "python")
        for t in claimed
    ]
    with django_assert_max_num_queries(5 + 2):
        record(reports=reports, job_id=job.pk)
    job.refresh_from_db()
    assert job.status == MasterJob.Status.SOLVED and job.callback_enqueued_at is not None
    stored = {t.challenge_id: t for t in job.tasks.all()}
    for report, task in zip(reports, claimed, strict=True):
        row = stored[task.challenge_id]
        assert (row.status, row.secret, row.tried, row.backend) == ("solved", report.secret, 1,
                                                                    "python")  # fmt: skip
        assert row.seconds == 0.01 and row.finished_at is not None
    (callback,) = default_queue_jobs()
    assert {s["secret"] for s in callback.kwargs["solutions"]} == set(secrets.values())


def test_a_stop_key_is_set_only_when_another_scan_of_the_challenge_may_be_running(token):
    """Shards still scanning a solved challenge stop at their next chunk when its key is
    set. A challenge solved by its only shard at the first try has no one to stop: no key
    (a Redis round trip per purchase). A shard the recoverer queued again may still be
    scanned by the paused worker it was taken from: its key is set."""
    from challenge_worker.broker import redis_client, solved_key

    single, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 5, 2: 6}), max_secret=99
    )
    for task in single.tasks.all():
        _solve_by_hand(task, int(task.challenge_id) + 4)
    assert single.tasks.filter(status="solved").count() == 2
    assert redis_client().keys(solved_key(single.pk, "*")) == []

    other = str(uuid.uuid4())
    retried, _ = master_job_create(
        deposit_token=other, challenges=make_challenges(other, {1: 5}), max_secret=99
    )
    task = retried.tasks.get()
    challenge_task_claim(task_id=task.pk, worker_name="paused", rq_job_id=task.rq_job_id)
    challenge_tasks_recover(lost_grace_seconds=0)
    task.refresh_from_db()
    fresh = challenge_task_claim(task_id=task.pk, worker_name="w2", rq_job_id=task.rq_job_id)
    challenge_task_record_result(
        task_id=task.pk, attempt=fresh.attempts, secret=5, tried=5, seconds=1, backend="python"
    )
    assert redis_client().exists(solved_key(retried.pk, "1")) == 1
