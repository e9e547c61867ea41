"""The event page a buyer reads: description, category, doors, address with a map link,
a generated poster (no remote image), and "Agregar al calendario" as an RFC 5545 file."""

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest

from events.ical import ical_fold, ical_text

pytestmark = pytest.mark.django_db

SANTIAGO = ZoneInfo("America/Santiago")
_DAY = dt.datetime.now(SANTIAGO).date() + dt.timedelta(days=30)  # upcoming, so it is listed
START = dt.datetime(_DAY.year, _DAY.month, _DAY.day, 21, 0, tzinfo=SANTIAGO)


@pytest.fixture
def show(make_event):
    return make_event(
        event_id=uuid.UUID("6f1d3c0e-0000-4000-8000-0000000000aa"),
        name="Los Tres; Acústico, en vivo",
        date=START,
        location="Teatro Caupolicán, Santiago",
        description="Una noche para cantar.\nSin telonero; con intermedio, 20 min.",
        category="concert",
        address="San Diego 850, Santiago",
        doors_at=START - dt.timedelta(minutes=90),
    )


@pytest.mark.parametrize(
    ("language", "category", "calendar", "doors"),
    [
        ("es", "Concierto", "Agregar al calendario", "Apertura de puertas"),
        ("en", "Concert", "Add to calendar", "Doors open"),
    ],
)
def test_the_event_page_shows_description_category_doors_and_address(
    client, show, language, category, calendar, doors
):
    client.cookies["django_language"] = language
    page = client.get(f"/events/{show.pk}/").content.decode()

    assert "Una noche para cantar.<br>Sin telonero; con intermedio, 20 min." in page
    assert re.search(rf'data-testid="event-category">{category}<', page)
    assert re.search(rf"<dt>{doors}</dt><dd[^>]*>19:30</dd>", page)  # 21:00 less 90 minutes
    assert "San Diego 850, Santiago" in page
    assert "https://www.openstreetmap.org/?mlat=-33.462500&amp;mlon=-70.661000" in page
    assert re.search(rf'href="/events/{show.pk}/calendar.ics"[^>]*>{calendar}<', page)


def test_an_event_without_the_optional_fields_shows_no_empty_rows(client, make_event):
    event = make_event(name="Sin detalles")

    page = client.get(f"/events/{event.pk}/").content.decode()

    assert 'data-testid="event-name"' in page and 'data-testid="poster"' in page
    for absent in ("event-description", "event-category", "event-doors", "event-address"):
        assert f'data-testid="{absent}"' not in page


def test_the_poster_is_drawn_in_the_page_and_no_image_comes_from_another_host(client, show):
    page = client.get(f"/events/{show.pk}/").content.decode()

    poster = re.search(r'<svg class="poster[^"]*".*?</svg>', page, re.S)
    assert poster and "Los Tres;" in poster.group(0) and "CONCIERTO" in poster.group(0)
    assert "http" not in poster.group(0)
    assert not re.search(r"""<img[^>]+src=["']?(https?:)?//""", page)
    assert not re.search(r"""<(image|use)[^>]+href=["']?(https?:)?//""", page)
    assert "url(http" not in page


def test_the_catalogue_card_shows_the_category(client, show):
    client.cookies["django_language"] = "en"
    page = client.get("/events/").content.decode()

    assert re.search(r'data-testid="card-category">Concert<', page)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_calendar_file_is_rfc_5545_text_with_a_stable_uid(client, show):
    response = client.get(f"/events/{show.pk}/calendar.ics")
    body = response.content

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    lines = _unfold(body.decode())
    assert lines[:1] == ["BEGIN:VCALENDAR"] and lines[-2:] == ["END:VCALENDAR", ""]
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    fields = dict(line.split(":", 1) for line in lines if line)
    assert fields["UID"] == "6f1d3c0e-0000-4000-8000-0000000000aa@ticketseller"
    assert fields["DTSTART"] == START.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert fields["DTSTART"][9:] in ("000000Z", "010000Z")  # 21:00 at -03 or -04
    assert fields["SUMMARY"] == r"Los Tres\; Acústico\, en vivo"
    assert fields["LOCATION"] == r"Teatro Caupolicán\, Santiago\, San Diego 850\, Santiago"
    assert fields["GEO"] == "-33.462500;-70.661000"
    assert fields["DESCRIPTION"].startswith(
        r"Una noche para cantar.\nSin telonero\; con intermedio\, 20 min.\n"
        r"Apertura de puertas: 19:30\nhttp://testserver/events/"
    )
    assert fields["CATEGORIES"] == "Concierto"
    client.cookies["django_language"] = "en"
    again = client.get(f"/events/{show.pk}/calendar.ics").content
    assert b"Doors open: 19:30" in again.replace(b"\r\n ", b"")
    assert (
        dict(line.split(":", 1) for line in _unfold(again.decode()) if line)["UID"]
        == (fields["UID"])
    )


def test_an_unknown_event_has_no_calendar_file(client):
    assert client.get("/events/999999/calendar.ics").status_code == 404


def test_text_values_escape_backslash_semicolon_comma_and_newlines():
    assert ical_text("a\\b;c,d\r\ne\nf") == r"a\\b\;c\,d\ne\nf"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + "ñ" * 100  # two octets each

    folded = ical_fold(line).encode()

    physical = folded.split(b"\r\n")
    assert len(physical) > 1 and all(len(part) <= 75 for part in physical)
    assert all(part.startswith(b" ") for part in physical[1:])
    assert all(part.decode() for part in physical)  # each part is whole UTF-8
    assert folded.decode().replace("\r\n ", "") == line
