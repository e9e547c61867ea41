"""CPU per purchase of the challenge worker's bookkeeping, each job alone or taken along.

A purchase's challenges are one cheap RQ job; in a rush they wait on the queue while both
workers are busy, and a worker ending one takes the cheap ones waiting behind it along
(`challenge_worker/take_along.py`). This measures what that saves where a rush's noise
hides it: it starts a throw-away Redis as `make test` does, migrates a throw-away SQLite
database, queues `--n` purchases' jobs (five challenges each, as the exchange sets them, but
over `--max-secret` candidates so that hashing is a small part), and measures the CPU a
burst `ChallengeWorker` spends on them in this process (`time.process_time`), per purchase:

    each job its own RQ job (``CHALLENGE_TAKE_ALONG_SECONDS=0``, the baseline), and
    jobs taken along (the default budget), in interleaved rounds.

    python bench/challenge_jobs.py [--n 300] [--rounds 3] [--max-secret 2000]
"""

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/stack.py, from anywhere

from stack import ROOT, load_average, throwaway_redis

sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-challenges-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="ticketseller.settings", LOG_LEVEL="WARNING", VAR_DIR=str(WORK),
    SOLVER_BACKEND="python",  # the ranges are tiny: no kernel to compile or load
)  # fmt: skip
os.environ.pop("DATABASE_URL", None)
#: The fleet rate the master plans with (the SIMD workers' order): a purchase is one cheap job.
PLAN_RATE = 80e6


def queue_purchases(n: int, max_secret: int) -> None:
    from challenge_worker.services import master_job_create

    for i in range(n):
        token = str(uuid.uuid4())
        challenges = []
        for c in range(1, 6):  # the secrets spread over the range, as the exchange's are
            secret = (i * 7919 + c * 104729) % max_secret + 1
            message = f"deposit_token={token}&challenge_id={c}&secret={secret}"
            challenges.append(
                {"challenge_id": c, "challenge_hash": hashlib.sha256(message.encode()).hexdigest()}
            )
        master_job_create(
            deposit_token=token, challenges=challenges, max_secret=max_secret,
            rate_per_s=PLAN_RATE, max_shards=1,
        )  # fmt: skip


def cpu_per_purchase(n: int, max_secret: int, budget: float, solver) -> tuple[float, int]:
    """Seconds of this process's CPU per purchase, and how many RQ jobs ran."""
    import django_rq
    from django.conf import settings
    from rq.registry import FinishedJobRegistry

    from challenge_worker import runtime
    from challenge_worker.models import MasterJob
    from challenge_worker.worker import ChallengeWorker

    class Worker(ChallengeWorker):
        def prepare_solver(self):  # warmed up once, outside the measured window
            self.runtime = solver
            runtime.install(solver)
            return solver

    settings.CHALLENGE_TAKE_ALONG_SECONDS = budget
    queue_purchases(n, max_secret)
    queue = django_rq.get_queue("challenges")
    worker = Worker([queue], connection=queue.connection, name=f"bench-{uuid.uuid4().hex[:6]}")
    started = time.process_time()
    worker.work(burst=True, logging_level="WARNING")
    seconds = (time.process_time() - started) / n
    worker.stop_liveness()
    ran = len(FinishedJobRegistry(queue=queue).get_job_ids())
    solved = MasterJob.objects.filter(status=MasterJob.Status.SOLVED).count()
    assert solved == n, f"{solved} of {n} purchases' jobs solved"
    MasterJob.objects.all().delete()
    queue.connection.flushdb()
    return seconds, ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="purchases per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, variants interleaved")
    parser.add_argument("--max-secret", type=int, default=2000, help="candidates per challenge")
    args = parser.parse_args()
    print(f"load average before: {load_average()}")
    try:
        with throwaway_redis(WORK) as url:
            os.environ["REDIS_URL"] = url  # before Django reads its settings
            import django

            django.setup()
            from django.conf import settings
            from django.core.management import call_command

            from challenge_worker import runtime
            from challenge_worker.solver import get_backend

            call_command("migrate", verbosity=0)
            backend = get_backend("python")
            rate = backend.measure_rate(0.2)
            solver = runtime.WorkerRuntime(name="bench", backend=backend, rate=rate)
            variants = {
                "each job its own RQ job": 0.0,
                "jobs taken along": settings.CHALLENGE_TAKE_ALONG_SECONDS,
            }
            results: dict[str, list[tuple[float, int]]] = {name: [] for name in variants}
            for _ in range(args.rounds):
                for name, budget in variants.items():
                    results[name].append(cpu_per_purchase(args.n, args.max_secret, budget, solver))
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    base = statistics.median(s for s, _ in results["each job its own RQ job"])
    print(
        f"challenge worker CPU per purchase (five challenges over {args.max_secret} candidates; "
        f"median of {args.rounds} rounds of {args.n}):"
    )
    for name, rounds in results.items():
        ms = statistics.median(s for s, _ in rounds)
        jobs = statistics.median(r for _, r in rounds)
        print(
            f"  {name:<26} {1000 * ms:.2f} ms  ({ms / base:.2f}× each job alone; "
            f"{jobs:.0f} RQ jobs for {args.n} purchases)"
        )
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
