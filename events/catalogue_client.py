"""Reads the exchange's published catalogue (`GET /v1/events?page=N`)."""

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from django.conf import settings

from events.data import EventData
from events.filters import DATE_MAX, DATE_MIN
from ticketseller.http import DependencyDown, JsonClient, json_client

MAX_PAGES = 1000  # a guard against an exchange that never reports its last page


class CatalogueError(Exception):
    """The exchange answered, but not with a catalogue we can read."""


def _client() -> JsonClient:
    return json_client(settings.EXCHANGE_URL, timeout=settings.EXCHANGE_TIMEOUT)


# The ranges our columns hold (Event's fields and check constraints): a row outside them
# would abort the whole upsert, so it is refused here, alone.
MAX_PRICE = 2**63 - 1  # PositiveBigIntegerField
MAX_QUANTITY = 2**31 - 1  # PositiveIntegerField
MAX_TEXT = 200


def _whole_number(raw: dict, key: str, maximum: int) -> int:
    """A JSON integer in [0, maximum]. A float with a fraction (1000.5) is refused, never
    truncated; an integral one (25000.0, as some JSON encoders write) is taken as that integer."""
    value = raw[key]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be a whole number, got {value!r}")
    if not 0 <= value <= maximum:
        raise ValueError(f"{key} {value} is out of range [0, {maximum}]")
    return value


def _coordinate(raw: dict, key: str, limit: int) -> Decimal:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number, got {value!r}")
    number = Decimal(str(value))
    if not number.is_finite() or not -limit <= number <= limit:
        raise ValueError(f"{key} {value!r} is out of range [-{limit}, {limit}]")
    return number.quantize(Decimal("0.000001"))


def _text(raw: dict, key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ValueError(f"{key} must be a non-empty string, got {value!r}")
    return value[:MAX_TEXT]


def _aware_datetime(raw: dict, key: str) -> dt.datetime:
    value = raw[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} must be an ISO 8601 string, got {value!r}")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.utcoffset() is None:
        raise ValueError(f"{key} {value!r} has no UTC offset")
    # Within the days the catalogue's filters accept; the calendar's ends would also
    # overflow when the database driver converts them to UTC.
    if not DATE_MIN <= parsed.astimezone(dt.UTC).date() <= DATE_MAX:
        raise ValueError(f"{key} {value!r} is out of range [{DATE_MIN}, {DATE_MAX}]")
    return parsed


MAX_DESCRIPTION = 5000
MAX_CATEGORY = 40
MAX_DOORS_BEFORE = dt.timedelta(hours=24)


# The extension fields (docs/exchange-protocol.md) are optional: absent, or of a shape we
# cannot use, they are left empty and the event still syncs with what the protocol requires.
def _optional_text(raw: dict, key: str, maximum: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:maximum]


def _optional_doors(raw: dict, start: dt.datetime) -> dt.datetime | None:
    """Doors open at most a day before the start, and not after it."""
    try:
        doors = _aware_datetime(raw, "doors_open")
    except (KeyError, ValueError, OverflowError):
        return None
    return doors if dt.timedelta(0) <= start - doors <= MAX_DOORS_BEFORE else None


def _extension(raw: dict, start: dt.datetime) -> dict:
    return {
        "description": _optional_text(raw, "description", MAX_DESCRIPTION),
        "category": _optional_text(raw, "category", MAX_CATEGORY).lower(),
        "address": _optional_text(raw, "address", MAX_TEXT),
        "doors_at": _optional_doors(raw, start),
    }


def parse_event(raw: dict) -> EventData:
    """One catalogue row, checked field by field; `CatalogueError` says what is wrong."""
    try:
        if not isinstance(raw, dict):
            raise TypeError("an event must be a JSON object")
        date = _aware_datetime(raw, "date")
        return EventData(
            event_id=uuid.UUID(str(raw["event_id"])),
            name=_text(raw, "name"),
            date=date,
            location=_text(raw, "location"),
            latitude=_coordinate(raw, "latitude", 90),
            longitude=_coordinate(raw, "longitude", 180),
            price=_whole_number(raw, "price", MAX_PRICE),
            quantity=_whole_number(raw, "quantity", MAX_QUANTITY),
            **_extension(raw, date),
        )
    except (KeyError, TypeError, ValueError, OverflowError, InvalidOperation) as exc:
        raise CatalogueError(f"unreadable event {raw!r}: {exc}") from exc


def catalogue_fetch() -> Iterator[EventData | CatalogueError]:
    """Every event of every page; a bad event is yielded as its error, not raised,
    so one malformed row never stops the sync of the others."""
    client, page, last_page = _client(), 1, 1
    while page <= min(last_page, MAX_PAGES):
        response = client.get(f"events?page={page}")
        if not response.ok or not isinstance(response.body, dict):
            raise DependencyDown(f"catalogue page {page}: HTTP {response.status}")
        events, last = response.body.get("events", []), response.body.get("last_page", page)
        if not isinstance(events, list) or isinstance(last, bool) or not isinstance(last, int):
            # A page we cannot read is a broken dependency, not a bad row: retried later.
            raise DependencyDown(f"catalogue page {page}: not a catalogue page")
        for raw in events:
            try:
                yield parse_event(raw)
            except CatalogueError as exc:
                yield exc
        last_page = last
        page += 1
