"""Fixtures for the workers master: a clean Redis, the python solver, real burst workers."""

import datetime as dt
import hashlib
import random
import signal
import time
import uuid

import django_rq
import pytest
from django.conf import settings
from django.utils import timezone

from challenge_worker.broker import redis_client, suspect_key
from challenge_worker.models import ChallengeTask
from challenge_worker.services import master_job_create
from challenge_worker.worker import ChallengeWorker

TOKEN = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"


def challenge_hash(token: str, challenge_id, secret: int) -> str:
    message = f"deposit_token={token}&challenge_id={challenge_id}&secret={secret}"
    return hashlib.sha256(message.encode()).hexdigest()


def make_challenges(token: str, secrets: dict) -> list[dict]:
    """``{challenge_id: secret}`` → the exchange's challenge list."""
    return [
        {"challenge_id": cid, "challenge_hash": challenge_hash(token, cid, secret)}
        for cid, secret in secrets.items()
    ]


@pytest.fixture(autouse=True)
def clean_redis():
    """The test Redis is throwaway (scripts/test.sh): start and end every test empty."""
    redis_client().flushdb()
    yield
    redis_client().flushdb()


@pytest.fixture(autouse=True)
def python_solver(settings):
    settings.SOLVER_BACKEND = "python"  # no numba compile in the tests
    settings.MASTER_API_TOKEN = ""


@pytest.fixture
def token() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def job(token):
    """A master job of one challenge whose secret is 4321 in [1, 10000]."""
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 4_321}), max_secret=10_000
    )
    return job


@pytest.fixture
def secrets_for():
    rng = random.Random(2026)

    def make(n: int, max_secret: int) -> dict:
        return {i + 1: rng.randint(1, max_secret) for i in range(n)}

    return make


@pytest.fixture
def make_worker():
    """A real `ChallengeWorker` on queue "challenges"; restores pytest's signal handlers."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    made = []

    def make(name: str | None = None) -> ChallengeWorker:
        worker = django_rq.get_worker(
            "challenges", worker_class=ChallengeWorker, name=name or f"w-{uuid.uuid4().hex[:8]}"
        )
        worker.rate_sample_seconds = 0.02
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.stop_liveness()
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def run_workers(make_worker):
    """Drain queue "challenges" with a burst worker; returns the worker."""

    def run(name: str | None = None) -> ChallengeWorker:
        worker = make_worker(name)
        worker.work(burst=True, logging_level="WARNING")
        return worker

    return run


def default_queue_jobs():
    return django_rq.get_queue(settings.MASTER_SOLVED_QUEUE).get_jobs()


def enqueued_long_ago() -> None:
    """Every shard was queued a minute ago: past any grace of the recoverer."""
    ChallengeTask.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=1))


def grace_passed() -> None:
    """Every suspicion the recoverer noted so far was first seen a minute ago."""
    client = redis_client()
    for key in client.scan_iter(suspect_key("*")):
        client.set(key, time.time() - 60, keepttl=True)
