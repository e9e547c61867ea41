import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from events.data import EventData
from events.models import Event
from events.services import event_upsert_many, events_sync_from_exchange

pytestmark = pytest.mark.django_db


def _event(n: int, **changes) -> EventData:
    base = EventData(
        event_id=uuid.UUID(int=n),
        name=f"Concierto {n}",
        date=dt.datetime(2027, 1, n % 28 + 1, 21, tzinfo=ZoneInfo("America/Santiago")),
        location="Teatro Caupolicán, Santiago",
        latitude=Decimal("-33.457700"),
        longitude=Decimal("-70.650500"),
        price=15_000,
        quantity=300,
    )
    return dataclasses.replace(base, **changes)


def test_upsert_creates_then_changes_nothing_when_run_again():
    events = [_event(n) for n in range(10)]

    first = event_upsert_many(events=events)
    second = event_upsert_many(events=events)

    assert (first.created, first.updated) == (10, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 10)
    assert Event.objects.count() == 10


def test_upsert_refreshes_descriptions_but_keeps_our_seat_counts():
    item = _event(1)
    event_upsert_many(events=[item])
    Event.objects.filter(event_id=item.event_id).update(available=item.quantity - 3)

    result = event_upsert_many(events=[dataclasses.replace(item, name="Renamed", quantity=1)])

    event = Event.objects.get(event_id=item.event_id)
    assert result.updated == 1
    assert event.name == "Renamed"
    assert (event.capacity, event.available) == (item.quantity, item.quantity - 3)


def test_sync_pulls_every_page_of_the_exchange_catalogue_idempotently(exchange):
    first = events_sync_from_exchange()
    second = events_sync_from_exchange()

    assert first.created == 30 and first.skipped == 0  # the fixture's exchange has 30, over 2 pages
    assert (second.created, second.updated, second.unchanged) == (0, 0, 30)
    published = exchange.exchange.events_page(page=1)["events"][0]
    event = Event.objects.get(event_id=published["event_id"])
    assert (event.name, event.price, event.capacity) == (
        published["name"],
        published["price"],
        published["quantity"],
    )
    assert event.date == dt.datetime.fromisoformat(published["date"])


def test_sync_stores_the_demo_catalogue_description_category_address_and_doors(exchange):
    events_sync_from_exchange()

    events = list(Event.objects.all())
    assert all(e.description and e.category and e.address and e.doors_at for e in events)
    assert all(e.doors_at < e.date for e in events)
    assert {e.category for e in events} <= {"concert", "theatre", "festival", "standup", "sports"}


def test_upsert_counts_a_change_of_the_description_alone_as_a_change():
    item = _event(1, description="Primera versión")
    event_upsert_many(events=[item])

    result = event_upsert_many(events=[dataclasses.replace(item, description="Con telonero")])

    assert result.updated == 1
    assert Event.objects.get(event_id=item.event_id).description == "Con telonero"


def test_sync_skips_a_malformed_event_and_keeps_the_rest(exchange, monkeypatch):
    from events import catalogue_client

    real = catalogue_client.parse_event

    def flaky(raw):
        if raw["name"] == exchange.exchange.events_page(page=1)["events"][0]["name"]:
            raw = {**raw, "price": "free"}
        return real(raw)

    monkeypatch.setattr(catalogue_client, "parse_event", flaky)
    result = events_sync_from_exchange()
    assert result.skipped >= 1 and result.created == 30 - result.skipped


def test_the_sync_command_reports_an_exchange_that_is_down(settings):
    settings.EXCHANGE_URL = "http://127.0.0.1:9/v1"
    with pytest.raises(CommandError, match="did not answer"):
        call_command("sync_events")
