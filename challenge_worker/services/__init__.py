"""Everything that changes the master's records: jobs, shards, results, recovery.

Rules that hold everywhere here:

- Lock order is always the `MasterJob` row first, then its `ChallengeTask` rows, so claims,
  results and completion of one job never deadlock each other. Single-statement
  compare-and-set updates (``filter(status=OLD).update(...)``) need no other lock.
- No network inside a transaction: Redis reads (live workers) happen before it, and every
  enqueue or Redis write after it, from ``transaction.on_commit``.
- A job completes exactly once: completion runs with the job row locked and only from an
  active status; the callback job has a fixed RQ id and is enqueued with ``unique=True``.

The callback (function ``settings.MASTER_SOLVED_JOB``, by its dotted path, never imported
here) takes the keyword arguments ``completion.SolvedCallback`` describes; docs/api.md ("The
master's callback") is the contract. The RQ job id is ``cw-callback-<job id>``.

``complete=True``: every challenge has its secret. ``complete=False``: the job failed (a
challenge was scanned to the end without a hit, or its shards were lost too often);
``solutions`` holds what was found, so the exchange rejects the payment and payments refunds.
"""

from challenge_worker.services.claims import challenge_task_claim, challenge_tasks_claim
from challenge_worker.services.completion import (
    SolvedCallback,
    master_job_callback_kwargs,
)
from challenge_worker.services.jobs import (
    DEFAULT_MAX_SECRET,
    MAX_CHALLENGES,
    MAX_MAX_SECRET,
    SOLVE_BATCH_JOB,
    SOLVE_JOB,
    master_job_create,
)
from challenge_worker.services.plans import (
    DEFAULT_RATE,
    MIN_SHARD_SECONDS,
    QUEUE_OVERHEAD_SECONDS,
    batch_plan,
    shard_plan,
)
from challenge_worker.services.recovery import (
    CALLBACK_GRACE_SECONDS,
    MAX_ATTEMPTS,
    QUEUED_GRACE_SECONDS,
    RecoveryReport,
    challenge_tasks_recover,
)
from challenge_worker.services.results import (
    ShardReport,
    challenge_task_record_result,
    challenge_tasks_record_results,
)

__all__ = [
    "CALLBACK_GRACE_SECONDS",
    "DEFAULT_MAX_SECRET",
    "DEFAULT_RATE",
    "MAX_ATTEMPTS",
    "MAX_CHALLENGES",
    "MAX_MAX_SECRET",
    "MIN_SHARD_SECONDS",
    "QUEUED_GRACE_SECONDS",
    "QUEUE_OVERHEAD_SECONDS",
    "SOLVE_BATCH_JOB",
    "SOLVE_JOB",
    "RecoveryReport",
    "ShardReport",
    "SolvedCallback",
    "batch_plan",
    "challenge_task_claim",
    "challenge_task_record_result",
    "challenge_tasks_claim",
    "challenge_tasks_record_results",
    "challenge_tasks_recover",
    "master_job_callback_kwargs",
    "master_job_create",
    "shard_plan",
]
