"""The web's side of the workers master API (docs/api.md, "The workers master's API")."""

import logging
from dataclasses import dataclass

from django.conf import settings
from redis.exceptions import RedisError

from ticketseller.http import DependencyDown, JsonClient, json_client
from ticketseller.queues import queue_connection

log = logging.getLogger(__name__)
# Written by the master after each result (docs/api.md, "Progress"): read here so a page
# polling a purchase costs one Redis GET, not an HTTP call to the master.
PROGRESS_KEY = "cw:progress:{job_id}"


@dataclass(frozen=True)
class WorkersStatus:
    available: bool
    workers: int
    queued: int


def _client(*, timeout: float = 5.0, attempts: int = 3) -> JsonClient:
    headers = {}
    if settings.MASTER_API_TOKEN:
        headers["Authorization"] = f"Bearer {settings.MASTER_API_TOKEN}"
    return json_client(settings.MASTER_URL, timeout=timeout, attempts=attempts, headers=headers)


def job_create(
    *, deposit_token: str, challenges: list[dict], max_secret: int, reference: str
) -> str:
    """Hand the challenges to the master; idempotent by deposit token. Returns the job id."""
    response = _client().post(
        "jobs",
        {
            "deposit_token": deposit_token,
            "challenges": challenges,
            "max_secret": max_secret,
            "reference": reference,
        },
    )
    if not response.ok:
        raise DependencyDown(f"master refused the job: HTTP {response.status} {response.body}")
    return str(response.body["job_id"])


def job_detail(*, job_id: str, timeout: float = 1.0) -> dict | None:
    try:
        response = _client(timeout=timeout, attempts=1).get(f"jobs/{job_id}")
    except DependencyDown:
        return None
    return response.body if response.ok else None


def job_progress(*, job_id: str) -> int | None:
    """How many of the job's challenges are solved, or None when not known (yet)."""
    try:
        value = queue_connection("payments").get(PROGRESS_KEY.format(job_id=job_id))
    except RedisError:
        log.warning("could not read the progress of master job %s", job_id)
        return None
    return int(value) if value is not None else None


def workers_status() -> WorkersStatus:
    """A master that does not answer within the short timeout counts as unavailable."""
    try:
        response = _client(timeout=settings.WORKERS_STATUS_TIMEOUT, attempts=1).get("heartbeat")
    except DependencyDown:
        return WorkersStatus(available=False, workers=0, queued=0)
    body = response.body if isinstance(response.body, dict) else {}
    workers = int(body.get("workers") or 0)
    return WorkersStatus(
        available=response.ok and workers > 0, workers=workers, queued=int(body.get("queued") or 0)
    )
