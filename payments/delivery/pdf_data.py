"""A purchase as the PDF renderer's input (the TicketData JSON of `lambda_pdf.schema`)."""

from typing import Any

from django.conf import settings
from django.utils import timezone

from lambda_pdf.schema import MAX_TEXT_LENGTH
from payments.delivery.codes import ticket_codes_for


def buyer_name(user) -> str:
    return (user.get_full_name() or "").strip() or user.get_username()


def fit_text(value: str, limit: int = MAX_TEXT_LENGTH) -> str:
    """`value` shortened with an ellipsis to what the renderer's schema accepts: a ticket
    with a shortened name beats no ticket (and no email) at all."""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def ticket_data_for(purchase) -> dict[str, Any]:
    """Plain JSON values only: the same dict goes to the Lambda or to the in-process renderer."""
    event = purchase.event
    # In the shop's time zone, with its offset: the ticket shows the local time.
    starts_at = timezone.localtime(event.date, timezone.get_default_timezone())
    return {
        "seller_name": fit_text(settings.SELLER_NAME),
        "purchase_id": str(purchase.pk),
        "purchase_number": purchase.short_number,
        "issued_at": (purchase.finished_at or timezone.now()).isoformat(),
        "buyer": {"name": fit_text(buyer_name(purchase.user)), "email": purchase.user.email},
        "event": {
            "name": fit_text(event.name),
            "starts_at": starts_at.isoformat(),
            "location": fit_text(event.location),
        },
        "quantity": purchase.quantity,
        "unit_price": purchase.unit_price,
        "total": purchase.amount,
        "currency": "CLP",
        "language": purchase.language,
        "tickets": [
            {"code": code}
            for code in ticket_codes_for(purchase_id=purchase.pk, quantity=purchase.quantity)
        ],
    }
