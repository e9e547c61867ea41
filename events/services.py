"""Writes to the catalogue. Seats change only through the payments services."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from events.catalogue_cache import catalogue_changed
from events.catalogue_client import CatalogueError, catalogue_fetch
from events.data import EventData
from events.errors import SoldOut
from events.models import Event
from ticketseller.statements import update

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int


# Compared one by one to decide "changed" (and so to refresh the catalogue's cache).
_DESCRIPTIVE_FIELDS = (
    "name", "date", "location", "latitude", "longitude", "price",
    "description", "category", "address", "doors_at",
)  # fmt: skip


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
        if created or updated:
            catalogue_changed()  # after the commit: the next request reads the new catalogue
    return UpsertResult(created=created, updated=updated, unchanged=unchanged)


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int
    skipped: int


def events_sync_from_exchange() -> SyncResult:
    """Pull the exchange's catalogue and upsert it. Malformed events are logged and skipped."""
    good, skipped = [], 0
    for item in catalogue_fetch():
        if isinstance(item, CatalogueError):
            log.warning("skipping an event from the exchange: %s", item)
            skipped += 1
        else:
            good.append(item)
    result = event_upsert_many(events=good)
    return SyncResult(result.created, result.updated, result.unchanged, skipped)


def event_seats_take(*, event_pk: int, quantity: int) -> None:
    """Take seats, or raise `SoldOut` and take none.

    One conditional UPDATE: it locks the row until the caller's transaction ends and can
    never take more than is left, so the last seat is sold exactly once.
    """
    take = update(Event, fields=("available", "updated_at"), where=("id",),
                  added=("available",), at_least=("available",))  # fmt: skip
    if not take.execute([-quantity, timezone.now()], [event_pk, quantity]):
        left = Event.objects.filter(pk=event_pk).values_list("available", flat=True).first()
        raise SoldOut(details={"available": left or 0, "requested": quantity})


def event_seats_release(*, event_pk: int, quantity: int) -> None:
    """Put seats back on sale (a rejected or expired purchase)."""
    give = update(Event, fields=("available", "updated_at"), where=("id",), added=("available",))
    give.execute([quantity, timezone.now()], [event_pk])
