import pytest

pytestmark = pytest.mark.django_db


def test_the_catalogue_page_shows_25_events_per_page(client, make_event):
    for _ in range(30):
        make_event()

    first = client.get("/")
    second = client.get("/events/", {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "page=2" in first.content.decode()


def test_search_keeps_its_terms_in_the_page_links(client, make_event):
    for _ in range(27):
        make_event(name="Festival Lollapalooza")
    make_event(name="Otra cosa")

    response = client.get("/events/", {"search": "lolla"})

    assert response.context["page"].paginator.count == 27
    assert "search=lolla&amp;page=2" in response.content.decode()


def test_prices_and_dates_are_shown_the_chilean_way(client, make_event):
    make_event(name="Santaferia", price=25_000)
    page = client.get("/").content.decode()
    assert "$25.000" in page
    assert 'lang="es"' in page


def test_the_event_page_and_an_unknown_event(client, make_event):
    event = make_event(name="Quilapayún", capacity=10, available=0)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Quilapayún" in page and "0 / 10" in page
    assert client.get(f"/events/{event.pk + 99}/").status_code == 404


@pytest.mark.parametrize("count", [2, 25])
def test_the_list_page_uses_a_constant_number_of_queries(
    client, make_event, django_assert_num_queries, count
):
    for _ in range(count):
        make_event()
    with django_assert_num_queries(2):
        client.get("/")


@pytest.mark.parametrize("params", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_a_day_out_of_range_is_a_form_error_not_a_server_error(client, make_event, params):
    make_event()

    response = client.get("/events/", params)

    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(params)
    assert response.context["page"].paginator.count == 0
    assert "2999" in response.content.decode()
