import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from lambda_pdf import ticket as ticket_module
from lambda_pdf.schema import parse_ticket
from lambda_pdf.tests.helpers import flat, pdf_pages_text, pdf_reader, pdf_text, squashed
from lambda_pdf.ticket import PAGE_SIZE, qr_modules, render_ticket_pdf
from lambda_pdf.wording import format_clp, format_datetime, printable

SANTIAGO_SUMMER = timezone(timedelta(hours=-3))


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "$0"), (990, "$990"), (25000, "$25.000"), (1234567, "$1.234.567")],
)
def test_prices_are_written_the_chilean_way(amount, text):
    assert format_clp(amount) == text


def test_dates_are_written_in_spanish_and_english_without_a_locale():
    saturday = datetime(2026, 12, 26, 21, 0, tzinfo=SANTIAGO_SUMMER)
    assert format_datetime(saturday, "es") == "sábado 26 de diciembre de 2026, 21:00"
    assert format_datetime(saturday, "en") == "Saturday, 26 December 2026, 21:00"
    assert format_datetime(saturday, "es", weekday=False) == "26 de diciembre de 2026, 21:00"


def test_dates_keep_the_event_offset_instead_of_moving_to_utc():
    late_show = datetime(2026, 12, 31, 23, 30, tzinfo=SANTIAGO_SUMMER)  # 02:30 UTC next year
    assert format_datetime(late_show, "es") == "jueves 31 de diciembre de 2026, 23:30"


def _finder_at(modules, top: int, left: int) -> bool:
    """A finder pattern: a dark 7x7 ring, a light ring inside it, a dark 3x3 centre."""
    for r in range(7):
        for c in range(7):
            ring = max(abs(r - 3), abs(c - 3))
            if bool(modules[top + r][left + c]) != (ring != 2):
                return False
    return True


def test_the_qr_symbol_of_a_signed_code_is_a_whole_square_symbol():
    code = "CPE1.000042.7Hx9Qm2LpR4vB8nK3tYw.Zq5Xc8Vb1Nm4As7Df0Gh3Jk6Lp9Oi2Uy5Tr8Ew1Q"

    modules = qr_modules(code)

    size = len(modules)
    assert all(len(row) == size for row in modules)
    assert size >= 21 and (size - 17) % 4 == 0  # version (size - 17) / 4, no quiet zone
    assert _finder_at(modules, 0, 0) and _finder_at(modules, 0, size - 7)
    assert _finder_at(modules, size - 7, 0)
    assert qr_modules(code) == modules  # the same code always prints the same symbol
    assert qr_modules(code.replace("42", "43")) != modules


def test_each_page_gets_the_qr_of_its_own_ticket(make_payload, monkeypatch):
    built = []
    real = ticket_module.qr_modules

    def spy(code):
        built.append(code)
        return real(code)

    monkeypatch.setattr(ticket_module, "qr_modules", spy)
    payload = make_payload(quantity=3)

    render_ticket_pdf(parse_ticket(payload))

    assert built == [t["code"] for t in payload["tickets"]]


def test_the_pdf_shows_everything_a_buyer_and_a_doorman_need(make_payload):
    payload = make_payload(quantity=2)
    payload["tickets"][1]["seat_label"] = "Platea B-12"

    pdf = render_ticket_pdf(parse_ticket(payload))
    pages = [flat(page) for page in pdf_pages_text(pdf)]

    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        for expected in (
            "CPE Ticket Seller",
            "Los Bunkers en el Caupolicán",
            "sábado 26 de diciembre de 2026, 21:00",
            "Teatro Caupolicán, Santiago",
            "María José Peña",
            "mariajose@example.cl",
            "Cantidad",
            "$25.000",
            "$50.000",
            "CPE-000123",
            "20 de noviembre de 2026, 14:03",  # 17:03 UTC shown in the event's offset
            f"Entrada {number} de 2",
            "Presenta este código en la entrada",
        ):
            assert expected in page, (number, expected)
        assert squashed(payload["tickets"][number - 1]["code"]) in squashed(page)
    assert "Admisión general" in pages[0]
    assert "Asiento Platea B-12" in pages[1]


def test_spanish_labels(make_payload):
    text = pdf_text(render_ticket_pdf(parse_ticket(make_payload(quantity=1))))
    for label in (
        "Entrada",
        "Comprador",
        "Fecha",
        "Lugar",
        "Cantidad",
        "Precio unitario",
        "Total",
        "N.º de compra",
        "Emitida el",
    ):
        assert label in text


def test_english_labels(make_payload):
    text = flat(pdf_text(render_ticket_pdf(parse_ticket(make_payload(quantity=1, language="en")))))
    for label in (
        "Ticket 1 of 1",
        "Buyer",
        "Date",
        "Venue",
        "Quantity",
        "Unit price",
        "Total",
        "Purchase no.",
        "Issued on",
        "Saturday, 26 December 2026, 21:00",
        "Show this code at the entrance",
    ):
        assert label in text
    assert "Comprador" not in text


def test_the_document_carries_title_and_author(make_payload):
    pdf = render_ticket_pdf(parse_ticket(make_payload(seller_name="Productora Sur")))
    info = pdf_reader(pdf).metadata

    assert info.author == "Productora Sur"
    assert info.title == "Entrada CPE-000123 · Los Bunkers en el Caupolicán"


def test_pages_are_ticket_sized(make_payload):
    page = pdf_reader(render_ticket_pdf(parse_ticket(make_payload(quantity=1)))).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(PAGE_SIZE)


def test_oversized_text_still_gives_one_page_per_ticket(make_payload):
    payload = make_payload(quantity=2, seller_name="Productora " * 20)
    payload["event"]["name"] = "Festival de Verano " * 15
    payload["event"]["location"] = "Parque O'Higgins, " * 15
    payload["buyer"]["email"] = "a" * 120 + "@example.cl"
    payload["tickets"][0]["code"] = "X" * 1000

    pdf = render_ticket_pdf(parse_ticket(payload))
    pages = pdf_pages_text(pdf)

    assert len(pages) == 2
    assert "X" * 1000 in squashed(pages[0])  # a ticket code is never shortened


def test_letters_the_pdf_fonts_lack_lose_only_their_accents():
    assert printable("Peña Ñuñoa Müller Œuvre") == "Peña Ñuñoa Müller Œuvre"
    assert printable("Antonín Dvořák, Łódź") == "Antonín Dvorák, Lódz"
    assert printable("李雷") == "李雷"  # nothing Latin to fall back to: left as it is


def test_names_outside_the_font_encoding_still_render(make_payload):
    payload = make_payload(quantity=1)
    payload["buyer"]["name"] = "Łukasz Wójcik 李雷"

    pages = pdf_pages_text(render_ticket_pdf(parse_ticket(payload)))

    assert len(pages) == 1
    assert "Lukasz Wójcik" in pages[0]


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs poppler-utils and zbar-tools (apt) to rasterise and scan the page",
)
def test_the_printed_qr_scans_back_to_the_ticket_code(make_payload, tmp_path):
    payload = make_payload(quantity=2)
    (tmp_path / "ticket.pdf").write_bytes(render_ticket_pdf(parse_ticket(payload)))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", str(tmp_path / "ticket.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=30,
    )
    pages = sorted(tmp_path.glob("page-*.png"))

    scanned = [
        subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(page)],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        for page in pages
    ]

    assert scanned == [t["code"] for t in payload["tickets"]]
