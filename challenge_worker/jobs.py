"""RQ jobs of the workers master (queue "challenges")."""

from __future__ import annotations

import logging
from collections.abc import Callable

from redis.exceptions import RedisError
from rq import get_current_job
from rq.timeouts import JobTimeoutException

from challenge_worker import runtime, services, take_along
from challenge_worker.broker import redis_client, solved_key, stop_key
from challenge_worker.solver import solve

log = logging.getLogger(__name__)


def stop_check(*, job_id, challenge_id: str) -> Callable[[], bool]:
    """``should_stop`` for the solver: true once the challenge is solved elsewhere or the job
    stopped. One Redis EXISTS per chunk (20-50 ms of hashing) but the first: the claim has
    just found the job open, and a chunk is how late a stop may come anyway (a purchase's
    shards fit in one chunk each, so they ask nothing). A Redis hiccup means "keep going",
    never a crashed shard."""
    keys = (solved_key(job_id, challenge_id), stop_key(job_id))
    first = True

    def should_stop() -> bool:
        nonlocal first
        if first:
            first = False
            return False
        try:
            return redis_client().exists(*keys) > 0
        except RedisError:
            return False

    return should_stop


def challenge_solve(*, task_id: int) -> dict:
    """Solve one shard: claim it, scan it, record the result. Safe to run twice: a shard
    that is not queued any more (taken, solved, cancelled) is left alone."""
    rq_job, me = _context()
    task = services.challenge_task_claim(
        task_id=task_id, worker_name=me.name, rq_job_id=rq_job.id if rq_job else ""
    )
    if task is None:
        return {"task_id": task_id, "claimed": False}
    result = _solve_claimed(task, me)
    _take_along(rq_job, [task], me)
    return result


def challenge_solve_batch(*, task_ids: list[int]) -> list[dict]:
    """Solve several cheap shards in one job (see `services.batch_plan`): all claimed in one
    statement, scanned one after the other, and recorded in one transaction; same
    guarantees as `challenge_solve` (a worker lost mid-batch loses only time: the recoverer
    queues the shards again). Then, if the queue has cheap jobs waiting, take some along."""
    rq_job, me = _context()
    results, tasks = _solve_batch(task_ids, rq_job.id if rq_job else "", me)
    _take_along(rq_job, tasks, me)
    return results


def _solve_batch(task_ids: list[int], rq_job_id: str, me) -> tuple[list[dict], list]:
    tasks = services.challenge_tasks_claim(
        task_ids=task_ids, worker_name=me.name, rq_job_id=rq_job_id
    )
    # The liveness key names one shard for the whole batch: republishing it per shard cost
    # two Redis round trips a shard, more than the scan of a small one.
    with me.working_on(tasks[0].pk if tasks else None, expected_seconds=_expected(tasks, me)):
        reports = [_scan(task, me) for task in tasks]
    recorded = services.challenge_tasks_record_results(
        reports=reports, job_id=tasks[0].job_id if tasks else None
    )
    return [_logged(task, report) for task, report in zip(recorded, reports, strict=True)], tasks


def _take_along(rq_job, tasks, me) -> None:
    """Run the cheap jobs waiting behind a cheap one in this RQ job (`take_along`)."""
    if not tasks or not take_along.may_take_along(rq_job.id if rq_job else None):
        return
    taken = take_along.take(take_along.how_many(_expected(tasks, me)))
    done = []
    try:
        for job in taken:
            try:
                _solve_batch(take_along.task_ids(job), job.id, me)
            except JobTimeoutException:  # this RQ job's own time is up: it ends here
                take_along.failed(job)
                raise
            except Exception:  # the others still run; the recoverer finds this one's shards
                log.exception("challenge job %s, taken along, failed", job.id)
                take_along.failed(job)
            else:
                done.append(job)
    finally:  # the ones not run are "queued" on no queue: the recoverer's, after the grace
        take_along.done(done)
    if taken:
        log.info("took %d waiting challenge job(s) along", len(taken))


def _context():
    rq_job = get_current_job()
    return rq_job, runtime.current(worker_name=getattr(rq_job, "worker_name", None))


def _expected(tasks, me) -> float | None:
    """Seconds the shards take to scan to their end at the worker's measured rate."""
    return sum(task.size for task in tasks) / me.rate if me.rate else None


def _solve_claimed(task, me) -> dict:
    with me.working_on(task.pk, expected_seconds=_expected([task], me)):
        report = _scan(task, me)
    task = services.challenge_task_record_result(
        task_id=report.task_id, attempt=report.attempt, secret=report.secret,
        tried=report.tried, seconds=report.seconds, backend=report.backend,
    )  # fmt: skip
    return _logged(task, report)


def _scan(task, me) -> services.ShardReport:
    result = solve(
        deposit_token=task.job.deposit_token,
        challenge_id=task.challenge_id,
        challenge_hash=task.challenge_hash,
        start=task.start,
        end=task.end,
        backend=me.backend,
        should_stop=stop_check(job_id=task.job_id, challenge_id=task.challenge_id),
    )
    return services.ShardReport(
        task_id=task.pk, attempt=task.attempts, secret=result.secret, tried=result.tried,
        seconds=result.seconds, backend=result.backend,
    )  # fmt: skip


def _logged(task, report: services.ShardReport) -> dict:
    log.info(
        "task %s [%d, %d]: %s after %d candidates in %.3f s (%s)",
        task.pk, task.start, task.end, task.status, report.tried, report.seconds, report.backend,
    )  # fmt: skip
    return {"task_id": task.pk, "claimed": True, "status": task.status, "tried": report.tried}


def challenge_tasks_recover() -> dict:
    """Periodic (the `clock` command enqueues it on "default" every few seconds): queue
    again the shards lost with their worker, re-send callbacks that never reached Redis."""
    report = services.challenge_tasks_recover()
    return {
        "requeued": report.requeued,
        "given_up": report.given_up,
        "callbacks": report.callbacks,
    }
