"""The catalogue's cache: a sync shows on the next request, a buyer pays the server's price,
conditional GETs answer 304, counts are not redone per page, and a paused Redis only turns
the cache off. Real PostgreSQL and Redis; the sync reads a real HTTP catalogue."""

import os
import re
import signal
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from events import catalogue_cache
from events.models import Event
from events.services import events_sync_from_exchange
from events.tests.test_catalogue import _row, catalogue  # noqa: F401 (a fixture)
from payments.models import Purchase
from wallet.models import LedgerEntry
from wallet.selectors import wallet_get_for_user
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]

LIST = "/api/v1/events/"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    """The cache on with a lifetime far longer than any test: only a bump can refresh it."""
    settings.CATALOGUE_CACHE_SECONDS = 300
    catalogue_cache._client = None
    catalogue_cache._down_until = 0.0
    yield
    catalogue_cache._client = None
    catalogue_cache._down_until = 0.0


def _synced(catalogue, rows) -> Event:  # noqa: F811
    catalogue.rows = rows
    events_sync_from_exchange()
    return Event.objects.get(event_id=rows[0]["event_id"])


def _detail(client, event: Event) -> dict:
    return client.get(f"/api/v1/events/{event.pk}/").json()


def test_a_sync_that_changes_the_price_shows_on_the_next_api_and_page_request(catalogue):  # noqa: F811
    event = _synced(catalogue, [_row(1, name="Los Tres", price=15_000)])
    api, page = APIClient(), APIClient()
    assert _detail(api, event)["price"] == 15_000
    assert api.get(LIST, {"search": "tres"}).json()["results"][0]["price"] == 15_000
    assert "$15.000" in page.get("/events/", {"search": "tres"}).content.decode()

    _synced(catalogue, [_row(1, name="Los Tres", price=19_990)])

    assert _detail(api, event)["price"] == 19_990
    assert api.get(LIST, {"search": "tres"}).json()["results"][0]["price"] == 19_990
    html = page.get("/events/", {"search": "tres"}).content.decode()
    assert "$19.990" in html and "$15.000" not in html


def test_a_sync_that_changes_only_the_description_shows_on_the_next_page_and_api_request(
    catalogue,  # noqa: F811
):
    event = _synced(catalogue, [_row(1, name="Los Tres", description="Antes del cambio")])
    api, page = APIClient(), APIClient()
    assert _detail(api, event)["description"] == "Antes del cambio"
    assert api.get(LIST).json()["results"][0]["description"] == "Antes del cambio"
    assert "Antes del cambio" in page.get(f"/events/{event.pk}/").content.decode()
    page.get("/events/")  # the shared list fragment is cached too

    _synced(catalogue, [_row(1, name="Los Tres", description="Después del cambio")])

    assert _detail(api, event)["description"] == "Después del cambio"
    assert api.get(LIST).json()["results"][0]["description"] == "Después del cambio"
    assert "Después del cambio" in page.get(f"/events/{event.pk}/").content.decode()


def test_a_sync_that_adds_events_shows_them_and_their_seats_on_the_next_request(catalogue):  # noqa: F811
    _synced(catalogue, [_row(1)])
    client = APIClient()
    assert client.get(LIST).json()["count"] == 1

    _synced(catalogue, [_row(1), _row(2, name="Mon Laferte", quantity=1234)])

    body = client.get(LIST).json()
    assert body["count"] == 2
    assert {e["name"]: e["available"] for e in body["results"]}["Mon Laferte"] == 1234


def test_an_unchanged_sync_and_a_purchase_keep_the_cache(catalogue, make_user):  # noqa: F811
    event = _synced(catalogue, [_row(1, price=10_000)])
    before = catalogue_cache.catalogue_version()
    events_sync_from_exchange()  # the same catalogue again
    assert catalogue_cache.catalogue_version() == before

    client = APIClient()
    assert _detail(client, event)["available"] == 300
    buyer = make_user()
    wallet_deposit(wallet_id=wallet_get_for_user(user=buyer).pk, amount=50_000)
    client.force_authenticate(buyer)
    assert client.post("/api/v1/purchases/", {"event": event.pk, "quantity": 2}).status_code == 201

    # Seats left are served from the cache until it expires; the version did not move.
    assert catalogue_cache.catalogue_version() == before
    assert _detail(client, event)["available"] == 300
    assert Event.objects.get(pk=event.pk).available == 298


def test_seats_left_are_at_most_the_cache_lifetime_stale(settings, make_event):
    settings.CATALOGUE_CACHE_SECONDS = 1
    event = make_event(capacity=10)
    client = APIClient()
    assert _detail(client, event)["available"] == 10
    Event.objects.filter(pk=event.pk).update(available=7)  # as a purchase takes seats

    give_up = time.monotonic() + 10
    while _detail(client, event)["available"] != 7:
        assert time.monotonic() < give_up, "seats left still stale after 10 s"
        time.sleep(0.1)


def test_a_buyer_pays_the_price_after_the_sync_whatever_was_cached(catalogue, make_user):  # noqa: F811
    event = _synced(catalogue, [_row(1, name="Ana Tijoux", price=20_000)])
    buyer = make_user()
    wallet = wallet_get_for_user(user=buyer)
    wallet_deposit(wallet_id=wallet.pk, amount=200_000)
    client = APIClient()
    client.force_authenticate(buyer)
    assert _detail(client, event)["price"] == 20_000  # the old price is now cached
    assert "$20.000" in client.get(f"/events/{event.pk}/").content.decode()

    _synced(catalogue, [_row(1, name="Ana Tijoux", price=35_000)])
    assert _detail(client, event)["price"] == 35_000
    assert "$35.000" in client.get("/events/").content.decode()
    response = client.post("/api/v1/purchases/", {"event": event.pk, "quantity": 3})

    assert response.status_code == 201, response.content
    purchase = Purchase.objects.get(pk=response.json()["id"])
    assert (purchase.unit_price, purchase.amount) == (35_000, 105_000)
    debit = LedgerEntry.objects.get(wallet=wallet, kind=LedgerEntry.Kind.PURCHASE)
    assert debit.amount == -105_000


def test_if_none_match_with_the_current_etag_gets_304_and_a_sync_changes_the_etag(catalogue):  # noqa: F811
    event = _synced(catalogue, [_row(1, price=15_000)])
    client = APIClient()
    for url in (LIST, f"/api/v1/events/{event.pk}/"):
        first = client.get(url)
        etag = first["ETag"]
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
        assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200

    _synced(catalogue, [_row(1, price=16_000)])
    changed = client.get(f"/api/v1/events/{event.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["price"] == 16_000
    assert changed["ETag"] != etag


def test_the_next_pages_of_a_filter_do_not_count_the_events_again(make_event):
    for _ in range(60):
        make_event(name="Festival")
    client = APIClient()
    assert client.get(LIST, {"search": "festival"}).json()["count"] == 60

    with CaptureQueriesContext(connection) as queries:
        page2 = client.get(LIST, {"search": "festival", "page": 2}).json()
        html = client.get("/events/", {"search": "festival", "page": 3}).content.decode()

    assert page2["count"] == 60 and len(page2["results"]) == 25
    assert "Festival" in html
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_a_cached_page_shows_each_visitor_their_own_menu(make_user, make_event, django_user_model):
    from django.contrib.auth.models import Permission
    from django.test import Client

    make_event(name="Inti-Illimani")
    alice = make_user("alice", first_name="Alice", last_name="<Aguirre>")
    wallet_deposit(wallet_id=wallet_get_for_user(user=alice).pk, amount=7_350)
    bob = make_user("bob")
    bob.user_permissions.add(Permission.objects.get(codename="add_checkin"))
    root = django_user_model.objects.create_superuser("root", "r@x.cl", "pw-123456x")
    pages = {}
    for user in (alice, bob, root, alice, bob, root):  # the second round comes from the cache
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        pages[user.username] = page = client.get("/events/").content.decode()
        assert "Inti-Illimani" in page and "-slot-" not in page
        token = re.search(r'action="/accounts/logout/".*?value="([^"]+)"', page, re.S).group(1)
        assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302

    alice_page, bob_page, root_page = pages["alice"], pages["bob"], pages["root"]
    assert "Alice &lt;Aguirre&gt;" in alice_page and "$7.350" in alice_page
    assert "bob" not in alice_page and "nav-check-in" not in alice_page
    assert "(bob)" in bob_page and "alice" not in bob_page.lower() and "$7.350" not in bob_page
    assert "nav-check-in" in bob_page and 'href="/admin/"' not in bob_page
    assert "(root)" in root_page and "nav-check-in" in root_page and 'href="/admin/"' in root_page
    # Staff see the number of workers: the one difference outside the menu's fragments.
    assert "data-label-up-staff" in root_page and "data-label-up-staff" not in bob_page


def test_a_returning_visitors_menu_follows_their_balance_permission_and_name(make_user, make_event):
    """The menu's fragments are kept per process: a deposit, a permission or a new name shows
    on the very next page all the same."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    make_event(name="Los Jaivas")
    carla = make_user("carla")
    client = Client()
    client.force_login(carla)

    def menu() -> str:
        page = client.get("/events/").content.decode()
        assert "Los Jaivas" in page and "-slot-" not in page
        return page

    assert "$0" in menu() and "nav-check-in" not in menu()  # the second read: kept fragments
    wallet_deposit(wallet_id=wallet_get_for_user(user=carla).pk, amount=4_200)
    assert "$4.200" in menu()
    carla.user_permissions.add(Permission.objects.get(codename="add_checkin"))
    assert "nav-check-in" in menu()
    carla.first_name, carla.last_name = "Carla", "Morrison"
    carla.save()
    assert "Carla Morrison" in menu()


def _redis_pid() -> int | None:
    pidfile = os.environ.get("REDIS_PIDFILE")  # scripts/test.sh's throwaway Redis
    return int(Path(pidfile).read_text()) if pidfile and Path(pidfile).is_file() else None


def test_a_paused_redis_turns_the_cache_off_and_the_catalogue_is_served_from_the_database(
    settings, make_event
):
    pid = _redis_pid()
    if pid is None:
        pytest.skip("needs the Redis that scripts/test.sh starts (it pauses it)")
    event = make_event(name="Chancho en Piedra", price=12_000)
    client = APIClient()
    assert _detail(client, event)["price"] == 12_000  # cached under the current version

    os.kill(pid, signal.SIGSTOP)
    try:
        Event.objects.filter(pk=event.pk).update(price=13_000)  # not seen by the cache
        detail = client.get(f"/api/v1/events/{event.pk}/")
        listing = client.get(LIST)
        page = client.get("/events/")
    finally:
        os.kill(pid, signal.SIGCONT)

    assert detail.status_code == 200 and detail.json()["price"] == 13_000
    assert listing.status_code == 200 and listing.json()["results"][0]["price"] == 13_000
    assert page.status_code == 200 and "$13.000" in page.content.decode()


def test_the_catalogue_refuses_an_unknown_token_and_forgets_a_revoked_one(make_user):
    from rest_framework.authtoken.models import Token

    from events import api_cache

    token = Token.objects.create(user=make_user())
    client = APIClient()
    assert client.get(LIST, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    assert client.get(LIST, HTTP_AUTHORIZATION="Token not-a-token").status_code == 401

    token.delete()
    api_cache.CatalogueTokenAuthentication.forget_all()  # as memory_seconds passing
    assert client.get(LIST, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def test_a_cached_anonymous_page_gives_each_visitor_a_working_csrf_token(make_event):
    from django.test import Client

    make_event(name="Los Bunkers")
    tokens = []
    for _ in range(2):  # the second page comes from the cache
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get("/events/").content.decode()
        assert "Los Bunkers" in page and "csrf-slot" not in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        switched = visitor.post(
            "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
        )
        assert switched.status_code == 302
        tokens.append(token)
    assert tokens[0] != tokens[1]
    assert "Upcoming events in Chile" in visitor.get("/events/").content.decode()
