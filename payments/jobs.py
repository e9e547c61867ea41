"""RQ jobs of the purchase flow: thin wrappers that load ids and call one service.

A transient failure (exchange or master down) is recorded on the purchase, so staff see it
in the admin, and re-raised so RQ retries the job with backoff (`services.JOB_RETRY`).
"""

import datetime as dt
from functools import wraps

from payments import services
from ticketseller.http import DependencyDown


def _records_failures(job):
    @wraps(job)
    def run(*, purchase_id: str, **kwargs):
        try:
            return job(purchase_id=purchase_id, **kwargs)
        except DependencyDown as exc:
            services.purchase_record_error(purchase_id, f"{job.__name__}: {exc}")
            raise

    return run


@_records_failures
def purchase_request_payment(*, purchase_id: str) -> None:
    services.purchase_request_payment(purchase_id=purchase_id)


def purchase_solution_submit(
    *, reference: str, solutions: list[dict], job_id: str = "", complete: bool = True, **extra
) -> None:
    """The workers master's "solved" event: `reference` is the purchase id."""
    solved_at = dt.datetime.fromisoformat(extra["solved_at"]) if extra.get("solved_at") else None
    _submit(purchase_id=reference, solutions=solutions, solved_at=solved_at)


@_records_failures
def _submit(*, purchase_id: str, solutions: list[dict], solved_at) -> None:
    services.purchase_submit_solution(
        purchase_id=purchase_id, solutions=solutions, solved_at=solved_at
    )


@_records_failures
def purchase_resubmit(*, purchase_id: str, solutions: list[dict]) -> None:
    services.purchase_resubmit(purchase_id=purchase_id, solutions=solutions)


def purchases_reconcile() -> dict[str, int]:
    """Periodic (see the `clock` command)."""
    return services.purchases_reconcile()
