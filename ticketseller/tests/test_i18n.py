import pytest

from ticketseller.templatetags.money import format_clp

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(0, "$0"), (990, "$990"), (25_000, "$25.000"), (1_234_567, "$1.234.567"), (-1_500, "-$1.500")],
)
def test_prices_are_written_the_chilean_way(amount, shown):
    assert format_clp(amount) == shown


def test_pages_speak_spanish_by_default(client):
    page = client.get("/").content.decode()
    assert 'lang="es"' in page and "Próximos eventos" in page


def test_the_language_switcher_turns_the_shop_into_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert 'lang="en"' in page and "Upcoming events" in page


def test_api_error_messages_are_translated_but_codes_stay_english(auth_client):
    spanish = auth_client.post("/api/v1/wallet/deposits/", {"amount": 0}, HTTP_ACCEPT_LANGUAGE="es")
    english = auth_client.post("/api/v1/wallet/deposits/", {"amount": 0}, HTTP_ACCEPT_LANGUAGE="en")

    assert spanish.json()["error"]["code"] == english.json()["error"]["code"]
    assert spanish.json()["error"]["message"] != english.json()["error"]["message"]


def test_a_browser_asking_for_english_still_gets_spanish_until_it_switches(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="es"' in page
