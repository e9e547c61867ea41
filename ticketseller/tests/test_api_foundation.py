import pytest
import yaml
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle

pytestmark = pytest.mark.django_db


def test_the_openapi_document_describes_every_endpoint(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/events/", "/api/v1/events/{id}/",
        "/api/v1/wallet/", "/api/v1/wallet/entries/", "/api/v1/wallet/deposits/",
    ]:  # fmt: skip
        assert path in schema["paths"], path
    deposit = schema["paths"]["/api/v1/wallet/deposits/"]["post"]
    assert {"201", "400", "401", "409"} <= set(deposit["responses"])


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_are_served_without_a_cdn(client, path):
    page = client.get(path).content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn.jsdelivr.net" not in page


def test_the_browsable_api_renders_html(client, make_event):
    make_event()
    response = client.get("/api/v1/events/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"<html" in response.content


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_wrong_method_is_a_405_in_the_error_shape(auth_client):
    response = auth_client.delete("/api/v1/wallet/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_throttled_clients_get_429_in_the_error_shape(api_client, monkeypatch):
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [api_client.get("/api/v1/events/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = api_client.get("/api/v1/events/")
    assert response.json()["error"]["code"] == "throttled"
    assert "Retry-After" in response.headers
    cache.clear()


def test_the_default_rates_let_a_script_burst(api_client):
    cache.clear()
    statuses = {api_client.get("/api/v1/events/").status_code for _ in range(60)}
    assert statuses == {200}
    cache.clear()


def test_health_reports_the_database(api_client):
    assert api_client.get("/api/v1/health/").json() == {"status": "ok"}
