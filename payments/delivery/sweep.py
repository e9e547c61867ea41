"""The delivery sweep: what RQ's retries gave up on, or never got because Redis lost the job.

Periodic (the clock runs `jobs.deliveries_sweep` every CLOCK_DELIVERY_SWEEP_SECONDS). Every
final purchase that ended DELIVERY_SWEEP_GRACE_SECONDS ago and still misses its ticket or its
email gets its delivery job queued again, under the purchase's fixed job id, so a job still
waiting or running is not queued twice.
"""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from payments.delivery.selectors import purchases_missing_delivery
from payments.delivery.services import delivery_enqueue

log = logging.getLogger(__name__)


def deliveries_sweep() -> dict[str, int]:
    """Queue the delivery of every purchase found missing something. Returns counts."""
    ended_before = timezone.now() - dt.timedelta(seconds=settings.DELIVERY_SWEEP_GRACE_SECONDS)
    purchase_ids = purchases_missing_delivery(
        ended_before=ended_before, limit=settings.DELIVERY_SWEEP_BATCH
    )
    queued = 0
    for purchase_id in purchase_ids:
        if not delivery_enqueue(purchase_id=purchase_id):
            break  # Redis is down: the next pass tries again
        queued += 1
    if purchase_ids:
        log.info("delivery sweep: %d purchases missing a ticket or email", len(purchase_ids))
    return {"missing": len(purchase_ids), "queued": queued}
