"""Everything that writes purchases (services are the only writers).

Modules: `purchases` (creation), `flow` (the state machine and the steps of the payment
flow), `reconcile` (the clock's pass over stuck purchases) and `attention` (failures,
back-off and late verdicts, for staff). The public names are re-exported here, so
`from payments.services import X` keeps working.
"""

from payments.services.attention import (
    purchase_record_error,
    purchase_record_late_verdict,
    purchase_retry_delay,
)
from payments.services.flow import (
    JOB_RETRY,
    purchase_apply_verdict,
    purchase_drive,
    purchase_request_payment,
    purchase_resubmit,
    purchase_submit_solution,
    purchase_transition,
    verdict_applied,
)
from payments.services.purchases import purchase_create
from payments.services.reconcile import purchases_reconcile

__all__ = [
    "JOB_RETRY",
    "purchase_apply_verdict",
    "purchase_create",
    "purchase_drive",
    "purchase_record_error",
    "purchase_record_late_verdict",
    "purchase_request_payment",
    "purchase_resubmit",
    "purchase_retry_delay",
    "purchase_submit_solution",
    "purchase_transition",
    "purchases_reconcile",
    "verdict_applied",
]
