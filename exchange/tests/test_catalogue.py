"""The seeded catalogue: reproducible, realistic, paginated by 25."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from exchange.catalogue import SANTIAGO, catalogue_generate
from exchange.server import start_exchange

from .conftest import call

START = dt.date(2026, 12, 1)


def test_same_seed_gives_the_same_catalogue() -> None:
    first = catalogue_generate(seed=2026, count=72, start=START)
    again = catalogue_generate(seed=2026, count=72, start=START)

    assert first == again
    assert len({event.event_id for event in first}) == 72


def test_another_seed_gives_other_events() -> None:
    ids = {e.event_id for e in catalogue_generate(seed=2026, count=72, start=START)}
    other = {e.event_id for e in catalogue_generate(seed=7, count=72, start=START)}

    assert not ids & other


def test_asking_for_more_events_keeps_the_first_ones() -> None:
    small = catalogue_generate(seed=2026, count=10, start=START)
    large = catalogue_generate(seed=2026, count=40, start=START)

    assert set(small) <= set(large)


def test_event_ids_do_not_depend_on_the_start_day() -> None:
    ids = {e.event_id for e in catalogue_generate(seed=3, count=20, start=START)}
    later = {e.event_id for e in catalogue_generate(seed=3, count=20, start=dt.date(2027, 6, 1))}

    assert ids == later


def test_events_look_like_real_chilean_events() -> None:
    events = catalogue_generate(seed=2026, count=72, start=START)

    for event in events:
        assert uuid.UUID(event.event_id).version == 5
        assert event.price % 1000 == 0 and 8_000 <= event.price <= 120_000
        assert 10 <= event.quantity <= 5_000
        when = dt.datetime.fromisoformat(event.date)
        local = when.astimezone(SANTIAGO)
        assert when.utcoffset() == local.utcoffset()  # the offset is Santiago's on that day
        assert 18 <= when.hour <= 22
        assert START < when.date() <= START + dt.timedelta(days=183)
        assert -56 < event.latitude < -17 and -76 < event.longitude < -66  # inside Chile
    cities = {event.location.rsplit(", ", 1)[1] for event in events}
    assert {"Santiago", "Viña del Mar", "Concepción"} <= cities
    assert any(event.quantity < 50 for event in events), "a few nearly sold-out events"
    assert any(event.quantity >= 1000 for event in events)
    moments = [dt.datetime.fromisoformat(event.date) for event in events]
    assert all(a <= b for a, b in itertools.pairwise(moments)), "sorted by date"


def test_events_are_paginated_by_25(make_exchange) -> None:
    handle = make_exchange(seed=11, events=72, catalogue_start=START)
    expected = [e.event_id for e in catalogue_generate(seed=11, count=72, start=START)]

    pages = [call("GET", f"{handle.url}/events?page={n}") for n in (1, 2, 3)]

    assert [status for status, _ in pages] == [200, 200, 200]
    assert [len(body["events"]) for _, body in pages] == [25, 25, 22]
    assert {body["last_page"] for _, body in pages} == {3}
    assert [body["page"] for _, body in pages] == [1, 2, 3]
    assert [e["event_id"] for _, body in pages for e in body["events"]] == expected
    assert set(pages[0][1]["events"][0]) == {
        "event_id",
        "name",
        "date",
        "price",
        "quantity",
        "location",
        "latitude",
        "longitude",
        # our extension
        "description",
        "category",
        "address",
        "doors_open",
    }


def test_the_first_page_is_the_default(exchange) -> None:
    assert call("GET", f"{exchange.url}/events") == call("GET", f"{exchange.url}/events?page=1")


@pytest.mark.parametrize("page", ["0", "4", "-1", "abc", "", "1.5", "99999999999"])
def test_a_bad_page_is_a_400_with_a_message(make_exchange, page: str) -> None:
    handle = make_exchange(events=72)

    status, body = call("GET", f"{handle.url}/events?page={page}")

    assert status == 400
    assert "page" in body["message"]


def test_an_empty_catalogue_has_one_empty_page(make_exchange) -> None:
    handle = make_exchange(events=0)

    assert call("GET", f"{handle.url}/events?page=1") == (
        200,
        {"events": [], "page": 1, "last_page": 1, "count": 0},
    )


def test_the_catalogue_is_seeded_only_into_an_empty_database(tmp_path, pay) -> None:
    db = str(tmp_path / "exchange.sqlite3")
    with start_exchange(env={}, db_path=db, seed=5) as handle:
        status, _ = pay(handle, quantity=2)
        assert status == 200
        first = call("GET", f"{handle.url}/events?page=1")[1]["events"]

    with start_exchange(env={}, db_path=db, seed=999) as handle:
        again = call("GET", f"{handle.url}/events?page=1")[1]["events"]

    assert again == first  # same events, and the 2 sold tickets stay sold


def test_every_demo_event_has_a_description_category_address_and_doors_before_the_start() -> None:
    events = catalogue_generate(seed=2026, count=72, start=START)

    for event in events:
        assert event.description and event.address
        assert event.category in {"concert", "theatre", "festival", "standup", "sports"}
        doors, start = (
            dt.datetime.fromisoformat(event.doors_open),
            dt.datetime.fromisoformat(event.date),
        )
        assert dt.timedelta(minutes=30) <= start - doors <= dt.timedelta(hours=3)
    assert len({event.category for event in events}) == 5


def test_an_exchange_database_made_before_the_extension_fields_still_serves_its_events(
    tmp_path,
) -> None:
    import sqlite3

    db = str(tmp_path / "old.sqlite3")
    old = sqlite3.connect(db)
    old.executescript(
        "CREATE TABLE events (event_id TEXT PRIMARY KEY, position INTEGER NOT NULL,"
        " name TEXT NOT NULL, date TEXT NOT NULL, price INTEGER NOT NULL,"
        " quantity INTEGER NOT NULL, location TEXT NOT NULL, latitude REAL NOT NULL,"
        " longitude REAL NOT NULL);"
        "INSERT INTO events VALUES ('6f1d3c0e-0000-4000-8000-000000000001', 0, 'Los Tres',"
        " '2027-01-10T21:00:00-03:00', 15000, 100, 'Blondie, Santiago', -33.45, -70.68);"
    )
    old.commit()
    old.close()

    with start_exchange(env={}, db_path=db) as handle:
        status, body = call("GET", f"{handle.url}/events?page=1")

    assert status == 200
    assert [e["name"] for e in body["events"]] == ["Los Tres"]
    assert "description" not in body["events"][0]  # empty extension fields are left out
