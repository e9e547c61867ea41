"""Purchase creation: money and seats taken together, the payment queued after the commit."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event
from events.services import event_seats_take
from payments.errors import EventFree, EventNotFound, EventPast
from payments.models import Purchase, PurchaseEvent, PurchaseStatus
from payments.services.flow import _enqueue
from ticketseller.db import user_lock_timeout
from ticketseller.errors import IdempotencyConflict, InvalidInput
from ticketseller.statements import inserted, select
from wallet.services import wallet_debit, wallet_lock_for_user

S = PurchaseStatus


def purchase_create(
    *,
    user,
    event_pk: int,
    quantity: int,
    idempotency_key: str | None = None,
    language: str = "es",
) -> Purchase:
    """Debit the wallet, take the seats and record the purchase, all or nothing.

    Locks the wallet row first and the event row second, always in that order, so two
    purchases can never deadlock. The payment request is queued after the commit.
    """
    _quantity_check(quantity)
    with transaction.atomic(), user_lock_timeout():
        wallet = wallet_lock_for_user(user=user)
        if idempotency_key is not None:
            same_key = select(Purchase, where=("user", "idempotency_key"))
            previous = same_key.first(user.pk, idempotency_key)
            if previous is not None:
                if (previous.event_id, previous.quantity) != (event_pk, quantity):
                    raise IdempotencyConflict(details={"idempotency_key": idempotency_key})
                return previous
        event = _event_on_sale(event_pk)
        purchase = Purchase(
            user=user,
            event=event,
            quantity=quantity,
            unit_price=event.price,
            amount=event.price * quantity,
            idempotency_key=idempotency_key,
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            deadline=timezone.now() + dt.timedelta(seconds=settings.PURCHASE_DEADLINE_SECONDS),
        )
        wallet_debit(
            wallet_id=wallet.pk,
            amount=purchase.amount,
            reference=f"{purchase.short_number} · {event.name}"[:200],
            idempotency_key=f"purchase:{purchase.pk}",
            locked=wallet,
        )
        event_seats_take(event_pk=event.pk, quantity=quantity)
        inserted(purchase)
        inserted(PurchaseEvent(purchase=purchase, to_status=S.RESERVED, reason="created"))
        transaction.on_commit(
            lambda: _enqueue(
                "payments.jobs.purchase_request_payment",
                purchase_id=str(purchase.pk),
                new_purchase=True,
            )
        )
    return purchase


def _quantity_check(quantity) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(details={"quantity": [_("Enter a whole number.")]})
    if not 1 <= quantity <= settings.PURCHASE_MAX_QUANTITY:
        raise InvalidInput(
            details={
                "quantity": [
                    _("Buy between 1 and %(max)d tickets.")
                    % {"max": settings.PURCHASE_MAX_QUANTITY}
                ]
            }
        )


def _event_on_sale(event_pk: int) -> Event:
    """The event, if it can be bought: it exists, has not started and is not free. Read by
    every buy: a statement written once per process (`ticketseller.statements`)."""
    event = select(Event, where=("id",)).first(event_pk)
    if event is None:
        raise EventNotFound()
    if event.date <= timezone.now():
        raise EventPast(details={"date": event.date.isoformat()})
    if event.price <= 0:
        raise EventFree()
    return event
