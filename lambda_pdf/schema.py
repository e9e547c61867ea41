"""Input of the ticket renderer: the JSON a purchase sends, checked and turned into TicketData.

Only the standard library: the Django side builds the payload with plain values (ids, ints of
whole CLP, ISO datetimes), and this module is the single place that says what is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEFAULT_SELLER_NAME = "CPE Ticket Seller"
LANGUAGES = ("es", "en")
CURRENCIES = ("CLP",)

# One PDF is one purchase; a bound keeps a bad payload from keeping the Lambda busy.
MAX_TICKETS = 100
MAX_TEXT_LENGTH = 300
# A QR code at level M holds about 2,300 bytes; signed ticket codes are far shorter.
MAX_CODE_LENGTH = 1000

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


class TicketDataError(ValueError):
    """The payload cannot become a ticket. `field` names the offending field (dotted path)."""

    code = "invalid_ticket_data"

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class EventInfo:
    name: str
    starts_at: datetime  # aware; shown in its own offset
    location: str


@dataclass(frozen=True, slots=True)
class TicketItem:
    code: str  # the signed ticket code the QR encodes
    seat_label: str | None = None


@dataclass(frozen=True, slots=True)
class TicketData:
    seller_name: str
    purchase_id: str
    purchase_number: str
    issued_at: datetime  # aware
    buyer: Buyer
    event: EventInfo
    quantity: int
    unit_price: int  # whole CLP
    total: int  # whole CLP
    currency: str
    tickets: tuple[TicketItem, ...]
    language: str = "es"


def parse_ticket(
    payload: dict[str, Any], *, default_seller_name: str = DEFAULT_SELLER_NAME
) -> TicketData:
    """Validate a ticket payload and return TicketData, or raise TicketDataError.

    Unknown keys are ignored so the caller can send more than this version reads.
    `seller_name` in the payload wins over `default_seller_name`.
    """
    if not isinstance(payload, dict):
        raise TicketDataError("payload", "must be a JSON object")

    seller_name = _optional_text(payload, "seller_name") or default_seller_name.strip()
    if not seller_name:
        raise TicketDataError("seller_name", "must not be empty")

    buyer_raw = _required_object(payload, "buyer")
    buyer = Buyer(
        name=_text(buyer_raw, "name", "buyer.name"),
        email=_text(buyer_raw, "email", "buyer.email"),
    )
    if not _EMAIL_RE.match(buyer.email):
        raise TicketDataError("buyer.email", "is not an email address")

    event_raw = _required_object(payload, "event")
    event = EventInfo(
        name=_text(event_raw, "name", "event.name"),
        starts_at=_datetime(event_raw, "starts_at", "event.starts_at", need_offset=True),
        location=_text(event_raw, "location", "event.location"),
    )

    quantity = _int(payload, "quantity", minimum=1)
    if quantity > MAX_TICKETS:
        raise TicketDataError("quantity", f"must be at most {MAX_TICKETS}")
    unit_price = _int(payload, "unit_price", minimum=0)
    total = _int(payload, "total", minimum=0)
    if total != unit_price * quantity:
        raise TicketDataError(
            "total", f"must equal unit_price × quantity ({unit_price} × {quantity})"
        )

    currency = _optional_text(payload, "currency") or "CLP"
    if currency not in CURRENCIES:
        raise TicketDataError("currency", f"must be one of {', '.join(CURRENCIES)}")

    return TicketData(
        seller_name=seller_name,
        purchase_id=_text(payload, "purchase_id"),
        purchase_number=_text(payload, "purchase_number"),
        # A naive issued_at is taken as UTC (Django's timezone.now() is aware anyway).
        issued_at=_datetime(payload, "issued_at", need_offset=False),
        buyer=buyer,
        event=event,
        quantity=quantity,
        unit_price=unit_price,
        total=total,
        currency=currency,
        tickets=_tickets(payload, quantity),
        language=_language(payload),
    )


def _missing(field: str) -> TicketDataError:
    return TicketDataError(field, "is required")


def _required_object(data: dict[str, Any], key: str) -> dict[str, Any]:
    if data.get(key) is None:
        raise _missing(key)
    value = data[key]
    if not isinstance(value, dict):
        raise TicketDataError(key, "must be an object")
    return value


def _text(
    data: dict[str, Any], key: str, field: str | None = None, *, max_length: int = MAX_TEXT_LENGTH
) -> str:
    field = field or key
    value = data.get(key)
    if value is None:
        raise _missing(field)
    if not isinstance(value, str):
        raise TicketDataError(field, "must be a string")
    value = value.strip()
    if not value:
        raise TicketDataError(field, "must not be empty")
    if len(value) > max_length:
        raise TicketDataError(field, f"must be at most {max_length} characters")
    return value


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    if data.get(key) is None:
        return None
    return _text(data, key)


def _int(data: dict[str, Any], key: str, *, minimum: int) -> int:
    value = data.get(key)
    if value is None:
        raise _missing(key)
    # bool is an int in Python; a float (even 25000.0) means the caller lost track of money.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TicketDataError(key, "must be an integer")
    if value < minimum:
        raise TicketDataError(key, f"must be at least {minimum}")
    return value


def _datetime(
    data: dict[str, Any], key: str, field: str | None = None, *, need_offset: bool
) -> datetime:
    field = field or key
    raw = _text(data, key, field)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise TicketDataError(field, f"is not an ISO 8601 datetime: {raw!r}") from None
    if value.tzinfo is None or value.utcoffset() is None:
        if need_offset:
            raise TicketDataError(field, "must include a UTC offset, e.g. 2026-12-24T21:00-03:00")
        value = value.replace(tzinfo=UTC)
    return value


def _tickets(data: dict[str, Any], quantity: int) -> tuple[TicketItem, ...]:
    raw = data.get("tickets")
    if raw is None:
        raise _missing("tickets")
    if not isinstance(raw, list):
        raise TicketDataError("tickets", "must be a list")
    if len(raw) != quantity:
        raise TicketDataError("tickets", f"must hold quantity={quantity} items, not {len(raw)}")
    items = []
    for index, item in enumerate(raw):
        prefix = f"tickets[{index}]"
        if not isinstance(item, dict):
            raise TicketDataError(prefix, "must be an object")
        code = _text(item, "code", f"{prefix}.code", max_length=MAX_CODE_LENGTH)
        seat = item.get("seat_label")
        if seat is not None:
            seat = _text(item, "seat_label", f"{prefix}.seat_label")
        items.append(TicketItem(code=code, seat_label=seat))
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        raise TicketDataError("tickets", "codes must be unique")
    return tuple(items)


def _language(data: dict[str, Any]) -> str:
    raw = _optional_text(data, "language")
    if raw is None:
        return "es"
    # Accept Django's language codes too: "es-cl", "en-us", "es_CL".
    language = raw.replace("_", "-").split("-", 1)[0].lower()
    if language not in LANGUAGES:
        raise TicketDataError("language", f"must be one of {', '.join(LANGUAGES)}")
    return language
