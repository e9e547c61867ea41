"""What a purchase that cannot move by itself leaves for staff: the last error, the number
of failed attempts with the time of the next one (exponential back-off, so one bad row never
keeps the reconciler busy), a `needs_attention` reason, and verdicts that came too late."""

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from payments.models import Purchase
from ticketseller.http import DependencyDown

log = logging.getLogger(__name__)
# Failures that another try may fix: a dependency down or slow, Redis or the database
# unreachable. Everything else (a refused transition, a missing row, a 4xx, a malformed
# answer) fails the same way every time, so it is recorded and not retried.
TRANSIENT_FAILURES = (DependencyDown, RedisError, OperationalError, InterfaceError)


def purchase_retry_delay(*, attempts: int) -> dt.timedelta:
    """base·2^(attempts-1) seconds, capped."""
    seconds = settings.PURCHASE_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 30)
    return dt.timedelta(seconds=min(seconds, settings.PURCHASE_RETRY_CAP_SECONDS))


def purchase_record_error(
    purchase_id: uuid.UUID | str, message: str, *, permanent: bool = False, back_off: bool = True
) -> None:
    """Keep the failure on the purchase and push the reconciler's next attempt back (not with
    `back_off=False`: a job RQ retries on its own schedule must not also hold the reconciler
    off, which is the backstop). A permanent failure, or too many in a row, flags the
    purchase for staff."""
    now = timezone.now()
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().filter(pk=purchase_id).first()
        if purchase is None:
            log.warning("failure for unknown purchase %s: %s", purchase_id, message)
            return
        attempts = purchase.attempts + 1
        fields = {"last_error": message[:2000], "attempts": attempts}
        if back_off:
            fields["next_attempt_at"] = now + purchase_retry_delay(attempts=attempts)
        if permanent or attempts >= settings.PURCHASE_ATTENTION_AFTER:
            fields["needs_attention"] = message[:2000]
        Purchase.objects.filter(pk=purchase.pk).update(**fields)


def purchase_record_late_verdict(*, purchase_id: uuid.UUID | str, valid: bool, source: str) -> bool:
    """The exchange's verdict for a purchase already final here with another outcome (e.g.
    "valid" after we expired it and refunded the buyer): it is not acted on, final states
    never change, but staff must see it. Returns True the first time it is recorded."""
    verdict = "valid" if valid else "invalid"
    recorded = (
        Purchase.objects.filter(pk=purchase_id)
        .exclude(late_verdict=verdict)
        .update(late_verdict=verdict, late_verdict_at=timezone.now())
    )
    if recorded:
        log.warning("late verdict %s for final purchase %s (%s)", verdict, purchase_id, source)
    return bool(recorded)
