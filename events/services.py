"""Writes to the catalogue. Seats change only through the payments services."""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from events.models import Event


@dataclass(frozen=True)
class EventData:
    """One event as the exchange publishes it (`quantity` = tickets it still offers)."""

    event_id: uuid.UUID
    name: str
    date: dt.datetime
    location: str
    latitude: Decimal
    longitude: Decimal
    price: int
    quantity: int


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int


_DESCRIPTIVE_FIELDS = ("name", "date", "location", "latitude", "longitude", "price")


def event_upsert_many(*, events: Iterable[EventData]) -> UpsertResult:
    """Insert new events and refresh the descriptive fields of known ones, by `event_id`.

    Idempotent: running it twice with the same data changes nothing the second time.
    Seat counts are set only when an event is first imported; after that they are ours
    (purchases take and release them), so a re-sync never resets sales.
    """
    incoming = {item.event_id: item for item in events}
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {
            e.event_id: e
            for e in Event.objects.select_for_update().filter(event_id__in=list(incoming))
        }
        to_create, to_update = [], []
        for event_id, item in incoming.items():
            current = existing.get(event_id)
            if current is None:
                to_create.append(
                    Event(
                        event_id=event_id,
                        capacity=item.quantity,
                        available=item.quantity,
                        **{f: getattr(item, f) for f in _DESCRIPTIVE_FIELDS},
                    )
                )
                continue
            changed = [f for f in _DESCRIPTIVE_FIELDS if getattr(current, f) != getattr(item, f)]
            if changed:
                for field in changed:
                    setattr(current, field, getattr(item, field))
                current.updated_at = timezone.now()  # bulk_update skips auto_now
                to_update.append(current)
            else:
                unchanged += 1
        Event.objects.bulk_create(to_create)
        if to_update:
            Event.objects.bulk_update(to_update, [*_DESCRIPTIVE_FIELDS, "updated_at"])
        created, updated = len(to_create), len(to_update)
    return UpsertResult(created=created, updated=updated, unchanged=unchanged)
