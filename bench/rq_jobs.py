"""CPU per RQ job of a worker's own bookkeeping: no-op jobs through a burst worker.

A purchase takes four RQ jobs (the payment request, the challenges, the submission, the
ticket), so what RQ spends around a job is paid four times per purchase. This starts a
throw-away Redis as `make test` does (`scripts/lib.sh`), queues `--n` jobs that do nothing,
and measures the CPU the worker process spends on them (`time.process_time`), per job:

    RQ's own SimpleWorker (the baseline), and our TolerantWorker (its Redis tolerance, log
    level and coalesced heartbeats), each with redis-py's C reply parser and command packer
    (hiredis, what the shop runs) and with its pure-Python ones.

    python bench/rq_jobs.py [--n 2000] [--rounds 3]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/stack.py, from anywhere

from stack import ROOT, load_average, throwaway_redis

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketseller.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def client(url: str, pure_python: bool):
    """A Redis client; `pure_python` swaps hiredis for redis-py's Python parser and packer."""
    from redis import ConnectionPool, Redis
    from redis._parsers import Encoder, _RESP2Parser
    from redis.connection import PythonRespSerializer

    if not pure_python:
        return Redis.from_url(url)
    packer = PythonRespSerializer(6000, Encoder("utf-8", "strict", False).encode)
    pool = ConnectionPool.from_url(url, parser_class=_RESP2Parser, command_packer=packer)
    return Redis(connection_pool=pool)


def cpu_per_job(worker_class, redis, n: int) -> float:
    """Seconds of this process's CPU per job for `n` no-op jobs through `worker_class`."""
    from rq import Queue

    queue = Queue("bench", connection=redis)
    for _ in range(n):
        queue.enqueue("os.getpid")
    worker = worker_class([queue], connection=redis)
    started = time.process_time()
    worker.work(burst=True, logging_level="WARNING")
    seconds = (time.process_time() - started) / n
    redis.flushdb()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="jobs per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, variants interleaved")
    args = parser.parse_args()
    print(f"load average before: {load_average()}")
    work = Path(tempfile.mkdtemp(prefix="bench-rq-"))
    try:
        with throwaway_redis(work) as url:
            import django

            django.setup()
            from rq.worker import SimpleWorker

            from ticketseller.rq_worker import TolerantWorker

            variants = {
                f"{cls.__name__}, {'pure-Python' if pure else 'hiredis'}": (cls, pure)
                for cls in (SimpleWorker, TolerantWorker)
                for pure in (False, True)
            }
            results: dict[str, list[float]] = {name: [] for name in variants}
            for _ in range(args.rounds):
                for name, (cls, pure) in variants.items():
                    results[name].append(cpu_per_job(cls, client(url, pure), args.n))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = statistics.median(results["SimpleWorker, hiredis"])
    print(f"worker CPU per no-op job (median of {args.rounds} rounds of {args.n}):")
    for name, rounds in results.items():
        ms = statistics.median(rounds)
        print(f"  {name:<30} {1000 * ms:.3f} ms  ({ms / base:.2f}× RQ's SimpleWorker with hiredis)")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
