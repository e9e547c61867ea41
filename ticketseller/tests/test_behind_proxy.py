"""Behind CloudFront every request comes from the proxy's address: the API throttles per client
by the address the trusted proxy appended to X-Forwarded-For, and only when told a proxy is
there (TRUSTED_PROXIES); otherwise the forgeable header is ignored."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

EVENTS = "/api/v1/events/"
PROXY = "130.176.0.10"  # one CloudFront edge address, the socket's peer for every visitor


@pytest.fixture
def two_per_minute(monkeypatch):
    """An anonymous rate small enough to exhaust (DRF reads it when the throttle is built)."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})


def _through_proxy(client_address: str, *, spoofed: str = "") -> APIClient:
    # CloudFront appends the viewer's address to whatever X-Forwarded-For the viewer sent.
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def _statuses(client: APIClient, times: int) -> list[int]:
    return [client.get(EVENTS).status_code for _ in range(times)]


def _trust_proxies(settings, count: int) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}


@pytest.mark.django_db
def test_two_clients_behind_one_proxy_get_separate_throttle_buckets(settings, two_per_minute):
    _trust_proxies(settings, 1)
    alice, bob = _through_proxy("203.0.113.5"), _through_proxy("198.51.100.7")
    assert _statuses(alice, 3) == [200, 200, 429]
    assert _statuses(bob, 2) == [200, 200]


@pytest.mark.django_db
def test_a_client_cannot_escape_its_bucket_by_forging_x_forwarded_for(settings, two_per_minute):
    _trust_proxies(settings, 1)
    statuses = [
        _through_proxy("203.0.113.5", spoofed=f"10.0.0.{n}").get(EVENTS).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_without_trusted_proxies_the_forwarded_address_is_ignored(settings, two_per_minute):
    _trust_proxies(settings, 0)
    alice, bob = _through_proxy("203.0.113.5"), _through_proxy("198.51.100.7")
    assert _statuses(alice, 2) == [200, 200]
    # Same socket address: the header is not believed, so Bob shares the proxy's bucket.
    assert _statuses(bob, 1) == [429]
