"""The API's front door: an index at /api/v1/, readable page names, no lock on public
operations in the docs, and documentation pages that load nothing from outside hosts."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_the_entry_points_without_logging_in(client):
    response = client.get("/api/v1/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    index = response.json()
    assert index["events"] == "http://testserver/api/v1/events/"
    assert index["purchases"] == "http://testserver/api/v1/purchases/"
    assert index["docs"] == "http://testserver/api/docs/"


def test_browsable_pages_have_readable_titles(client):
    page = client.get("/api/v1/events/", HTTP_ACCEPT="text/html").content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0].strip()

    assert title.startswith("Events · ")
    assert "Api" not in title.replace("API", "")
    assert "Django REST framework" not in title


def test_public_operations_carry_no_lock_and_private_ones_do(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]

    assert paths["/api/v1/events/"]["get"]["security"] == []
    assert paths["/api/v1/health/"]["get"]["security"] == []
    assert paths["/api/v1/auth/token/"]["post"]["security"] == []
    assert {"tokenAuth": []} in paths["/api/v1/purchases/"]["post"]["security"]
    assert {} not in paths["/api/v1/wallet/"]["get"]["security"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_documentation_pages_load_only_the_shops_own_files(client, url):
    page = client.get(url).content.decode()

    assert "googleapis" not in page and "gstatic" not in page and "cdn." not in page
    assert "/static/drf_spectacular_sidecar/" in page
    for reference in page.split('src="')[1:] + page.split('href="')[1:]:
        target = reference.split('"', 1)[0]
        assert not target.startswith(("http://", "https://", "//")), target
