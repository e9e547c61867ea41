import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

LIST = "/api/v1/events/"
FIELDS = {
    "id",
    "event_id",
    "name",
    "date",
    "location",
    "latitude",
    "longitude",
    "price",
    "capacity",
    "available",
    # added with the event pages (read-only; empty when the exchange has none)
    "description",
    "category",
    "address",
    "doors_at",
}


def test_events_are_public_paginated_by_25(api_client, make_event):
    for _ in range(30):
        make_event()

    page1 = api_client.get(LIST).json()
    page2 = api_client.get(LIST, {"page": 2}).json()

    assert page1["count"] == 30 and len(page1["results"]) == 25
    assert page1["next"].endswith("page=2") and page1["previous"] is None
    assert len(page2["results"]) == 5 and page2["next"] is None
    assert set(page1["results"][0]) == FIELDS


def test_search_and_date_filters(api_client, make_event):
    soon = timezone.localdate() + dt.timedelta(days=3)
    hit = make_event(
        name="Los Jaivas", date=timezone.make_aware(dt.datetime.combine(soon, dt.time(20)))
    )
    make_event(name="Los Jaivas", date=timezone.now() + dt.timedelta(days=40))
    make_event(name="Illapu", date=timezone.make_aware(dt.datetime.combine(soon, dt.time(21))))

    body = api_client.get(LIST, {"search": "jaivas", "date_from": soon, "date_to": soon}).json()

    assert [e["id"] for e in body["results"]] == [hit.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "tomorrow"},
        {"date_to": "2026-13-01"},
        {"date_from": "2027-01-10", "date_to": "2027-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "1999-12-31", "date_to": "3000-01-01"},
        {"search": "nul\x00byte"},
        {"search": "x" * 101},
    ],
)
def test_bad_filters_get_400_in_the_error_shape(api_client, params):
    response = api_client.get(LIST, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("page", ["999", "abc", "0"])
def test_a_page_that_does_not_exist_is_a_404_in_the_error_shape(api_client, make_event, page):
    make_event()
    response = api_client.get(LIST, {"page": page})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_event_detail_and_unknown_event(api_client, make_event):
    event = make_event(price=19_900)
    assert api_client.get(f"{LIST}{event.pk}/").json()["price"] == 19_900
    response = api_client.get(f"{LIST}{event.pk + 1000}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("count", [3, 25])
def test_the_list_uses_a_constant_number_of_queries(
    api_client, make_event, django_assert_num_queries, count
):
    for _ in range(count):
        make_event()
    with django_assert_num_queries(2):  # COUNT + one page
        assert len(api_client.get(LIST).json()["results"]) == count
