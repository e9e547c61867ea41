import dataclasses

import pytest
from django.core.management import call_command

from events.demo import demo_catalogue
from events.models import Event
from events.services import event_upsert_many

pytestmark = pytest.mark.django_db


def test_upsert_creates_then_changes_nothing_when_run_again():
    events = demo_catalogue(seed=7, count=10)

    first = event_upsert_many(events=events)
    second = event_upsert_many(events=events)

    assert (first.created, first.updated) == (10, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 10)
    assert Event.objects.count() == 10


def test_upsert_refreshes_descriptions_but_keeps_our_seat_counts():
    [item] = demo_catalogue(seed=7, count=1)
    event_upsert_many(events=[item])
    Event.objects.filter(event_id=item.event_id).update(available=item.quantity - 3)

    result = event_upsert_many(events=[dataclasses.replace(item, name="Renamed", quantity=1)])

    event = Event.objects.get(event_id=item.event_id)
    assert result.updated == 1
    assert event.name == "Renamed"
    assert (event.capacity, event.available) == (item.quantity, item.quantity - 3)


def test_the_demo_catalogue_is_reproducible_and_realistic():
    a, b = demo_catalogue(seed=1), demo_catalogue(seed=1)
    assert a == b
    assert len(a) >= 60
    assert demo_catalogue(seed=2) != a
    assert all(e.price > 0 and e.price % 100 == 0 and e.quantity > 0 for e in a)
    assert all(-56 < e.latitude < -17 and -76 < e.longitude < -66 for e in a)  # in Chile
    assert all(e.date.tzinfo is not None for e in a)


def test_the_load_command_is_idempotent(capsys):
    call_command("load_demo_events")
    call_command("load_demo_events")
    assert Event.objects.count() == 80
    assert "0 created" in capsys.readouterr().out.splitlines()[-1]
