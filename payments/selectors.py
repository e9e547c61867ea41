import datetime as dt
import functools

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from payments import master_client
from payments.models import Purchase, PurchaseEvent, PurchaseStatus
from ticketseller.statements import prefetched, select


def purchase_list_for_user(
    *, user, status: str | None = None, with_event: bool = True
) -> QuerySet[Purchase]:
    """A user's purchases, newest first, with their history. `with_event=False` leaves the
    event row out: the API answers only its id, and a poll of a purchase in flight is the
    web's most frequent full answer."""
    qs = Purchase.objects.filter(user=user).prefetch_related("history")
    if with_event:
        qs = qs.select_related("event")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def purchase_get_for_user(*, user, purchase_id, with_event: bool = True) -> Purchase | None:
    """A user's own purchase, or None: another user's purchase does not exist for them."""
    return purchase_list_for_user(user=user, with_event=with_event).filter(pk=purchase_id).first()


def purchase_for_poll(*, user, purchase_id) -> Purchase | None:
    """A user's own purchase as its poll reads it first: the row without its challenges and
    secrets (JSON the answer never shows) and without its history, which a poll that answers
    304 never needs (`purchase_history_load` when it does). Statements written once per
    process: the web's most frequent request (see `ticketseller.statements`)."""
    poll = select(Purchase, where=("id", "user"), leave_out=("challenges", "solutions"))
    return poll.first(purchase_id, user.pk)


def purchase_for_verdict(*, purchase_id) -> Purchase | None:
    """What the exchange's webhook checks a verdict against: the status and deposit token
    (a statement written once per process: every purchase gets one webhook)."""
    return select(Purchase, where=("id",), only=("status", "deposit_token")).first(purchase_id)


def purchase_history_load(*, purchase: Purchase) -> None:
    """Read the purchase's history into it, as `prefetch_related("history")` would, in a
    statement written once per process (a poll's full answer, a buy's)."""
    ordering = tuple(PurchaseEvent._meta.ordering)
    history = select(PurchaseEvent, where=("purchase",), order_by=ordering)
    prefetched(purchase, "history", history.instances(purchase.pk))


def purchase_version(*, purchase: Purchase) -> tuple:
    """Everything the purchase's API answer is made of that can change (plus the live
    progress while solving): equal versions, equal answers. Every transition saves the
    purchase (a new `updated_at`) and adds its history row at once."""
    return (
        purchase.status,
        purchase.updated_at,
        purchase.challenges_total,
        purchase.challenges_solved,
        purchase.master_job_id,
        _live_solved(purchase),
    )


def _live_solved(purchase: Purchase) -> int | None:
    """While solving, the count the workers master publishes in Redis (None: not known).
    Read once per loaded purchase: a poll's ETag and its body show the same count."""
    if purchase.status != PurchaseStatus.SOLVING or not purchase.master_job_id:
        return None
    if not hasattr(purchase, "_live_solved"):
        purchase._live_solved = master_client.job_progress(job_id=str(purchase.master_job_id))
    return purchase._live_solved


def purchase_challenges_progress(*, purchase: Purchase) -> dict[str, int]:
    """`{total, solved}`. While solving, the count the workers master publishes in Redis."""
    solved = purchase.challenges_solved
    if purchase.status == PurchaseStatus.SOLVING:
        live = _live_solved(purchase)
        solved = live if live is not None else solved
    elif purchase.status == PurchaseStatus.VALIDATED:
        solved = purchase.challenges_total
    return {"total": purchase.challenges_total, "solved": min(solved, purchase.challenges_total)}


IN_FLIGHT = (PurchaseStatus.RESERVED, PurchaseStatus.SOLVING, PurchaseStatus.SUBMITTED)


def purchases_in_flight() -> int:
    """Purchases the pipeline is working on: not final, made in the last
    WAITING_ROOM_IN_FLIGHT_SECONDS (an older one is stuck, and the reconciler's, not the
    rush's: it must not hold the waiting room shut). The room's gauge, read again after every
    final purchase: a statement written once per process, where the ORM built the count."""
    since = timezone.now() - dt.timedelta(seconds=settings.WAITING_ROOM_IN_FLIGHT_SECONDS)
    since = Purchase._meta.get_field("created_at").get_db_prep_value(since, connection)
    with connection.cursor() as cursor:
        cursor.execute(_in_flight_sql(), [*IN_FLIGHT, since])
        return cursor.fetchone()[0]


@functools.cache
def _in_flight_sql() -> str:
    meta, q = Purchase._meta, connection.ops.quote_name
    status, created_at = (q(meta.get_field(name).column) for name in ("status", "created_at"))
    marks = ", ".join(["%s"] * len(IN_FLIGHT))
    table = q(meta.db_table)
    return f"SELECT COUNT(*) FROM {table} WHERE {status} IN ({marks}) AND {created_at} >= %s"
