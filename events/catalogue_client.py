"""Reads the exchange's published catalogue (`GET /v1/events?page=N`)."""

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from django.conf import settings

from events.data import EventData
from ticketseller.http import DependencyDown, JsonClient, json_client

MAX_PAGES = 1000  # a guard against an exchange that never reports its last page


class CatalogueError(Exception):
    """The exchange answered, but not with a catalogue we can read."""


def _client() -> JsonClient:
    return json_client(settings.EXCHANGE_URL, timeout=settings.EXCHANGE_TIMEOUT)


def parse_event(raw: dict) -> EventData:
    try:
        return EventData(
            event_id=uuid.UUID(str(raw["event_id"])),
            name=str(raw["name"])[:200],
            date=dt.datetime.fromisoformat(raw["date"]),
            location=str(raw["location"])[:200],
            latitude=Decimal(str(raw["latitude"])).quantize(Decimal("0.000001")),
            longitude=Decimal(str(raw["longitude"])).quantize(Decimal("0.000001")),
            price=int(raw["price"]),
            quantity=int(raw["quantity"]),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise CatalogueError(f"unreadable event {raw!r}: {exc}") from exc


def catalogue_fetch() -> Iterator[EventData | CatalogueError]:
    """Every event of every page; a bad event is yielded as its error, not raised,
    so one malformed row never stops the sync of the others."""
    client, page, last_page = _client(), 1, 1
    while page <= min(last_page, MAX_PAGES):
        response = client.get(f"events?page={page}")
        if not response.ok or not isinstance(response.body, dict):
            raise DependencyDown(f"catalogue page {page}: HTTP {response.status}")
        for raw in response.body.get("events", []):
            try:
                yield parse_event(raw)
            except CatalogueError as exc:
                yield exc
        last_page = int(response.body.get("last_page", page))
        page += 1
