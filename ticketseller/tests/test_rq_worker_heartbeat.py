"""Our RQ workers' heartbeats and states: the same key lifetimes as RQ's, fewer round trips."""

import django_rq
import pytest
from rq.worker import SimpleWorker, WorkerStatus

from ticketseller.rq_worker import HEARTBEAT_COALESCE_SECONDS, TolerantWorker


@pytest.fixture
def worker(redis_flushed):
    queue = django_rq.get_queue("maintenance")
    worker = TolerantWorker([queue], connection=queue.connection)
    worker.register_birth()
    yield worker
    worker.register_death()


def _calls(connection, command: str) -> int:
    return int(connection.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


def test_a_heartbeat_repeating_one_just_sent_is_skipped(worker):
    redis = worker.connection
    redis.config_resetstat()

    worker.heartbeat()
    worker.heartbeat()
    worker.heartbeat()

    assert _calls(redis, "expire") == 1
    assert redis.ttl(worker.key) > worker.worker_ttl + 60 - 2


def test_a_heartbeat_asking_for_longer_goes(worker):
    redis = worker.connection
    with redis.pipeline() as pipe:  # as RQ does when a job starts: a shorter lease
        worker.heartbeat(90, pipeline=pipe)
        pipe.execute()
    assert redis.ttl(worker.key) <= 90
    redis.config_resetstat()

    worker.heartbeat()  # the job ended: back to the worker's own TTL

    assert _calls(redis, "expire") == 1
    assert redis.ttl(worker.key) > 90


def test_a_heartbeat_goes_again_once_the_key_has_aged(worker, monkeypatch):
    import ticketseller.rq_worker as rq_worker

    clock = [1000.0]
    monkeypatch.setattr(rq_worker.time, "monotonic", lambda: clock[0])
    redis = worker.connection
    worker.heartbeat()
    redis.config_resetstat()

    clock[0] += HEARTBEAT_COALESCE_SECONDS + 0.1
    worker.heartbeat()

    assert _calls(redis, "expire") == 1


def test_a_state_is_written_once_and_again_when_it_changes(worker):
    redis = worker.connection
    redis.config_resetstat()

    worker.set_state(WorkerStatus.IDLE)
    worker.set_state(WorkerStatus.IDLE)
    assert _calls(redis, "hset") == 1
    worker.set_state(WorkerStatus.BUSY)

    assert _calls(redis, "hset") == 2
    assert redis.hget(worker.key, "state").decode() == WorkerStatus.BUSY


def _run_jobs(worker_class, count: int = 20) -> int:
    """Run `count` jobs in a burst; the Redis commands it took."""
    queue = django_rq.get_queue("maintenance")
    jobs = [queue.enqueue("builtins.len", [1, 2, 3]) for _ in range(count)]
    worker = worker_class([queue], connection=queue.connection)
    queue.connection.config_resetstat()

    worker.work(burst=True)

    stats = queue.connection.info("commandstats")
    assert [job.get_status(refresh=True) for job in jobs] == ["finished"] * count
    assert [job.return_value() for job in jobs] == [3] * count
    return sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")


def test_jobs_run_as_with_rq_with_fewer_redis_commands(redis_flushed):
    rq_alone = _run_jobs(SimpleWorker)
    ours = _run_jobs(TolerantWorker)

    # Per job: two heartbeats (an HSET and an EXPIRE each) and one state write fewer.
    assert ours <= rq_alone - 4 * 20, (ours, rq_alone)
