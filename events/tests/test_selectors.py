import datetime as dt

import pytest
from django.utils import timezone

from events.selectors import event_list

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 21) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_search_matches_name_or_location_ignoring_case(make_event):
    a = make_event(name="Mon Laferte en vivo", location="Movistar Arena, Santiago")
    b = make_event(name="Los Bunkers", location="Quinta Vergara, Viña del Mar")
    make_event(name="Ballet", location="Teatro Municipal")

    assert list(event_list(search="laferte")) == [a]
    assert list(event_list(search="VIÑA")) == [b]
    assert len(event_list(search="")) == 3


def test_date_filter_includes_both_whole_days_in_santiago_time(make_event):
    today = timezone.localdate()
    d1, d2, d3 = (today + dt.timedelta(days=n) for n in (10, 11, 12))
    late_first_day = make_event(date=_at(d1, 23))
    early_last_day = make_event(date=_at(d2, 0))
    make_event(date=_at(d3, 0))

    assert list(event_list(date_from=d1, date_to=d2)) == [late_first_day, early_last_day]


def test_past_events_are_hidden_unless_asked_for(make_event):
    past = make_event(date=timezone.now() - dt.timedelta(days=3))
    future = make_event()

    assert list(event_list()) == [future]
    assert list(event_list(date_from=timezone.localdate() - dt.timedelta(days=5))) == [past, future]
