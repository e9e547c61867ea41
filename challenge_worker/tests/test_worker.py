"""Real RQ workers (burst mode) solving real challenges against PostgreSQL and Redis."""

import hashlib

import django_rq
import pytest

from challenge_worker import jobs
from challenge_worker.broker import solved_key
from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.selectors import master_job_detail, workers_alive
from challenge_worker.services import master_job_create
from challenge_worker.solver import SHARD_ALIGN
from challenge_worker.tests.conftest import default_queue_jobs, make_challenges

pytestmark = pytest.mark.django_db(transaction=True)


def _is_secret(token, challenge_id, challenge_hash, secret) -> bool:
    message = f"deposit_token={token}&challenge_id={challenge_id}&secret={secret}"
    return hashlib.sha256(message.encode()).hexdigest() == challenge_hash


def test_a_burst_worker_solves_every_challenge_and_enqueues_the_callback_once(
    token, secrets_for, run_workers, settings
):
    secrets = secrets_for(5, 20_000)
    challenges = make_challenges(token, secrets)
    job, created = master_job_create(
        deposit_token=token, challenges=challenges, max_secret=20_000, reference="purchase-42"
    )

    worker = run_workers("solver-1")

    job.refresh_from_db()
    assert created and job.status == MasterJob.Status.SOLVED
    assert job.started_at and job.finished_at and job.callback_enqueued_at
    for challenge in challenges:
        task = job.tasks.get(challenge_id=str(challenge["challenge_id"]))
        assert task.status == ChallengeTask.Status.SOLVED
        assert task.secret == secrets[challenge["challenge_id"]]
        assert _is_secret(
            token, challenge["challenge_id"], challenge["challenge_hash"], task.secret
        )
        assert task.worker_name == worker.name and task.backend == "python"
        assert task.tried == task.secret  # scanned 1..secret, one shard
    [callback] = default_queue_jobs()
    assert callback.func_name == settings.MASTER_SOLVED_JOB
    assert callback.args == ()
    assert callback.kwargs == {
        "reference": "purchase-42",
        "job_id": str(job.pk),
        "complete": True,
        "solutions": [{"challenge_id": cid, "secret": s} for cid, s in secrets.items()],
        "solved_at": job.finished_at.isoformat(),
    }
    detail = master_job_detail(job_id=job.pk)
    assert [c["secret"] for c in detail["challenges"]] == list(secrets.values())


def test_a_wide_range_is_split_into_shards_and_the_first_hit_cancels_the_rest(token, run_workers):
    # 4 aligned shards of one challenge; the secret sits in the second one.
    max_secret = 4 * SHARD_ALIGN
    secret = SHARD_ALIGN + 12_345
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: secret}),
        max_secret=max_secret, rate_per_s=1_000_000, max_shards=4,
    )  # fmt: skip
    shards = list(job.tasks.order_by("start"))
    assert [(t.start, t.end) for t in shards] == [
        (1, SHARD_ALIGN - 1),
        (SHARD_ALIGN, 2 * SHARD_ALIGN - 1),
        (2 * SHARD_ALIGN, 3 * SHARD_ALIGN - 1),
        (3 * SHARD_ALIGN, max_secret),
    ]

    run_workers()

    statuses = dict(job.tasks.values_list("start", "status"))
    job.refresh_from_db()
    assert job.status == MasterJob.Status.SOLVED
    assert statuses[SHARD_ALIGN] == ChallengeTask.Status.SOLVED
    # Shards run in queue order: the first scans to its end, the ones after the hit never run.
    assert statuses[1] == ChallengeTask.Status.EXHAUSTED
    assert statuses[2 * SHARD_ALIGN] == statuses[3 * SHARD_ALIGN] == ChallengeTask.Status.CANCELLED
    assert job.tasks.get(start=2 * SHARD_ALIGN).tried == 0
    assert len(default_queue_jobs()) == 1


def test_a_running_shard_stops_at_its_next_chunk_once_the_challenge_is_solved(token, monkeypatch):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 3 * SHARD_ALIGN + 5}),
        max_secret=4 * SHARD_ALIGN, rate_per_s=1_000_000, max_shards=4,
    )  # fmt: skip
    shard = job.tasks.get(start=SHARD_ALIGN)
    checks = []
    real_stop_check = jobs.stop_check

    def stop_after_two_chunks(**kwargs):
        should_stop = real_stop_check(**kwargs)

        def check():
            checks.append(1)
            if len(checks) == 3:  # another shard finds the secret while this one scans
                jobs.redis_client().set(solved_key(job.pk, "1"), 1)
            return should_stop()

        return check

    monkeypatch.setattr(jobs, "stop_check", stop_after_two_chunks)

    result = jobs.challenge_solve(task_id=shard.pk)

    shard.refresh_from_db()
    assert result["status"] == ChallengeTask.Status.CANCELLED
    assert shard.status == ChallengeTask.Status.CANCELLED
    assert 0 < shard.tried < shard.size
    # two chunks of the python backend (they end on multiples of 100 000), then it stopped
    assert shard.tried == 80_000 + 100_000


def test_a_shard_that_is_not_queued_any_more_is_left_alone(token):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 10}), max_secret=1000
    )
    task = job.tasks.get()

    first = jobs.challenge_solve(task_id=task.pk)
    again = jobs.challenge_solve(task_id=task.pk)

    assert first["claimed"] and first["status"] == ChallengeTask.Status.SOLVED
    assert again == {"task_id": task.pk, "claimed": False}
    assert len(default_queue_jobs()) == 1


def test_a_challenge_without_solution_in_range_fails_the_job_with_the_solutions_found(
    token, run_workers
):
    challenges = make_challenges(token, {1: 700, 2: 5_000})  # 5000 > max_secret: no hit
    job, _ = master_job_create(
        deposit_token=token, challenges=challenges, max_secret=1_000, reference="p-7"
    )

    run_workers()

    job.refresh_from_db()
    assert job.status == MasterJob.Status.FAILED and job.finished_at
    assert job.tasks.get(challenge_id="2").status == ChallengeTask.Status.EXHAUSTED
    assert job.tasks.get(challenge_id="2").tried == 1_000
    [callback] = default_queue_jobs()
    assert callback.kwargs["complete"] is False
    assert callback.kwargs["solutions"] == [{"challenge_id": 1, "secret": 700}]


_seen = {}


def look_at_the_fleet() -> None:
    """A job that looks at the live workers from inside a worker."""
    _seen["workers"] = workers_alive()


def test_the_worker_publishes_its_backend_and_rate_while_it_runs(make_worker):
    worker = make_worker("busy-bee")
    django_rq.get_queue("challenges").enqueue_call(func=look_at_the_fleet)

    worker.work(burst=True, logging_level="WARNING")

    [me] = _seen.pop("workers")
    assert me.name == "busy-bee" and me.backend == "python" and me.rate > 100_000
    assert workers_alive() == []  # it left when the burst ended
