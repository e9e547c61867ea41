"""Catalogue rows are checked one by one: a bad row is skipped and logged, the rest sync."""

import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from events.catalogue_client import CatalogueError, parse_event
from events.models import Event
from events.services import events_sync_from_exchange


def _row(n: int = 1, **changes) -> dict:
    return {
        "event_id": str(uuid.UUID(int=n)),
        "name": f"Concierto {n}",
        "date": "2027-01-10T21:00:00-03:00",
        "location": "Teatro Caupolicán, Santiago",
        "latitude": -33.4577,
        "longitude": -70.6505,
        "price": 15_000,
        "quantity": 300,
        **changes,
    }


BAD = {
    "negative price": {"price": -1},
    "price over the column": {"price": 2**63},
    "price with a fraction": {"price": 1000.5},
    "price as a string": {"price": "1000"},
    "price as a boolean": {"price": True},
    "negative seats": {"quantity": -1},
    "seats over the column": {"quantity": 2**31},
    "seats with a fraction": {"quantity": 3.5},
    "latitude past the pole": {"latitude": 91},
    "longitude past the date line": {"longitude": -180.5},
    "latitude as text": {"latitude": "-33.4"},
    "empty name": {"name": ""},
    "name not a string": {"name": 42},
    "name with a NUL byte": {"name": "a\x00b"},
    "date without offset": {"date": "2027-01-10T21:00:00"},
    "date not a date": {"date": "tomorrow"},
    "date at the calendar's start": {"date": "0001-01-01T00:00:00+05:00"},
    "date at the calendar's end": {"date": "9999-12-31T23:00:00-05:00"},
    "event id not a uuid": {"event_id": "abc"},
}


@pytest.mark.parametrize("changes", BAD.values(), ids=BAD.keys())
def test_a_row_out_of_range_or_of_the_wrong_type_is_refused(changes):
    with pytest.raises(CatalogueError):
        parse_event(_row(**changes))


def test_a_row_without_a_field_or_not_an_object_is_refused():
    row = _row()
    del row["price"]
    for raw in (row, ["not", "an", "object"]):
        with pytest.raises(CatalogueError):
            parse_event(raw)


def test_an_integral_float_price_is_taken_as_that_integer_never_truncated():
    assert parse_event(_row(price=25000.0, quantity=10.0)).price == 25_000
    assert parse_event(_row(price=0)).price == 0
    with pytest.raises(CatalogueError, match="whole number"):
        parse_event(_row(price=25000.9))


class _Catalogue(BaseHTTPRequestHandler):
    rows: list = []

    def do_GET(self):
        body = json.dumps({"events": self.rows, "page": 1, "last_page": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def catalogue(settings):
    """A one-page exchange catalogue on a free local port, serving `catalogue.rows`."""
    handler = type("Handler", (_Catalogue,), {"rows": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EXCHANGE_URL = f"http://127.0.0.1:{server.server_port}/v1"
    yield handler
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.django_db
def test_bad_rows_are_skipped_and_logged_and_the_rest_sync(catalogue, caplog):
    good = [_row(n) for n in (1, 2, 3)]
    bad = [
        _row(10, price=1000.5),
        _row(11, latitude=-95),
        _row(12, quantity=-5),
        _row(13, price="gratis"),
    ]
    catalogue.rows = [good[0], *bad[:2], good[1], *bad[2:], good[2]]

    with caplog.at_level(logging.WARNING, logger="events.services"):
        result = events_sync_from_exchange()

    assert (result.created, result.skipped) == (3, 4)
    assert sorted(Event.objects.values_list("name", flat=True)) == [r["name"] for r in good]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for row in bad:
        assert row["event_id"] in logged


@pytest.mark.django_db
def test_a_page_that_is_not_a_catalogue_stops_the_sync_as_a_broken_dependency(catalogue):
    from ticketseller.http import DependencyDown

    catalogue.rows = "not a list"
    with pytest.raises(DependencyDown):
        events_sync_from_exchange()
    assert Event.objects.count() == 0


EXTENSION = {
    "description": "Una noche para cantar; con intermedio.",
    "category": "Concert",
    "address": "San Diego 850, Santiago",
    "doors_open": "2027-01-10T19:30:00-03:00",
}


def test_the_optional_fields_of_our_extension_are_read_when_present():
    event = parse_event(_row(**EXTENSION))

    assert event.description == EXTENSION["description"]
    assert event.category == "concert"
    assert event.address == "San Diego 850, Santiago"
    assert event.doors_at.isoformat() == "2027-01-10T19:30:00-03:00"


UNUSABLE = {
    "description not text": {"description": ["a"]},
    "category not text": {"category": 3},
    "address null": {"address": None},
    "doors without offset": {"doors_open": "2027-01-10T19:30:00"},
    "doors after the start": {"doors_open": "2027-01-10T21:30:00-03:00"},
    "doors two days before": {"doors_open": "2027-01-08T21:00:00-03:00"},
    "doors not a date": {"doors_open": 1900},
}


@pytest.mark.parametrize("changes", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_an_unusable_optional_field_is_left_empty_and_the_event_still_reads(changes):
    event = parse_event(_row(**changes))

    assert event.name == "Concierto 1"
    key = next(iter(changes))
    assert getattr(event, "doors_at" if key == "doors_open" else key) in ("", None)


@pytest.mark.django_db
def test_a_catalogue_without_the_extension_syncs_and_one_with_it_stores_it(catalogue):
    catalogue.rows = [_row(1), _row(2, **EXTENSION)]

    result = events_sync_from_exchange()

    assert (result.created, result.skipped) == (2, 0)
    plain, detailed = Event.objects.order_by("event_id")
    assert (plain.description, plain.category, plain.address, plain.doors_at) == ("", "", "", None)
    assert detailed.description == EXTENSION["description"]
    assert (detailed.category, detailed.address) == ("concert", "San Diego 850, Santiago")
    assert detailed.doors_at.isoformat() == "2027-01-10T22:30:00+00:00"
