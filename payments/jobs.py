"""RQ jobs of the purchase flow: thin wrappers that load ids and call one service.

Every failure is recorded on the purchase, so staff see it in the admin. Only a transient
one (a dependency down, Redis or the database unreachable) is re-raised, so RQ retries the
job with backoff (`services.JOB_RETRY`); a permanent one (a refused transition, a missing
row, a 4xx or a malformed answer from the exchange) would fail the same way again, so it
flags the purchase instead and the job ends.
"""

import datetime as dt
import logging
from functools import wraps

from payments import services
from payments.services.attention import TRANSIENT_FAILURES

log = logging.getLogger(__name__)


def _records_failures(job):
    @wraps(job)
    def run(*, purchase_id: str, **kwargs):
        try:
            return job(purchase_id=purchase_id, **kwargs)
        except TRANSIENT_FAILURES as exc:
            _record(purchase_id, f"{job.__name__}: {exc}", permanent=False, back_off=False)
            raise
        except Exception as exc:
            log.exception("%s for purchase %s failed for good", job.__name__, purchase_id)
            _record(
                purchase_id,
                f"{job.__name__}: {type(exc).__name__}: {exc}",
                permanent=True,
                back_off=True,
            )
            return f"failed: {exc}"

    return run


def _record(purchase_id: str, message: str, *, permanent: bool, back_off: bool) -> None:
    try:
        services.purchase_record_error(purchase_id, message, permanent=permanent, back_off=back_off)
    except Exception:  # the database is what failed: RQ's own record has to do
        log.exception("could not record the failure of purchase %s", purchase_id)


@_records_failures
def purchase_request_payment(*, purchase_id: str) -> None:
    services.purchase_request_payment(purchase_id=purchase_id)


def purchase_submit_solution(
    *, reference: str, job_id: str, solutions: list[dict], complete: bool, solved_at: str | None
) -> None:
    """The workers master's callback when one of its jobs finishes (``MASTER_SOLVED_JOB``).

    The keyword arguments are the contract of docs/api.md ("The master's callback"):
    `reference` is the purchase id, `solved_at` an ISO 8601 time. An incomplete job
    (`complete=False`) is submitted all the same: the exchange rejects it and the purchase is
    refunded. payments/tests/test_callback_contract.py keeps this signature and the master's
    side equal.
    """
    log.info("master job %s for purchase %s finished (complete=%s)", job_id, reference, complete)
    _submit(
        purchase_id=reference,
        solutions=solutions,
        solved_at=dt.datetime.fromisoformat(solved_at) if solved_at else None,
    )


def purchase_solution_submit(**kwargs) -> None:
    """The job's old name: callbacks queued before a deploy still carry this path."""
    kwargs.setdefault("job_id", "")
    kwargs.setdefault("complete", True)
    kwargs.setdefault("solved_at", None)
    purchase_submit_solution(**kwargs)


@_records_failures
def _submit(*, purchase_id: str, solutions: list[dict], solved_at: dt.datetime | None) -> None:
    services.purchase_submit_solution(
        purchase_id=purchase_id, solutions=solutions, solved_at=solved_at
    )


@_records_failures
def purchase_resubmit(*, purchase_id: str, solutions: list[dict] | None = None) -> None:
    services.purchase_resubmit(purchase_id=purchase_id, solutions=solutions)


def purchases_reconcile() -> dict[str, int]:
    """Periodic (see the `clock` command)."""
    return services.purchases_reconcile()
