"""Render a purchase as a PDF: one ticket-sized page per ticket, each with its own QR code.

Pure function of TicketData, no I/O. Drawn on a reportlab canvas with the 14 standard PDF
fonts (Helvetica, Courier): nothing to embed, so rendering stays fast and the text stays
extractable. Those fonts cover Latin-1, which holds every Spanish letter.
"""

from __future__ import annotations

import io
import itertools

import segno
from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from lambda_pdf.schema import TicketData, TicketItem
from lambda_pdf.wording import LABELS, format_clp, format_datetime, printable

PAGE_SIZE = (210 * mm, 120 * mm)  # ticket-shaped: A4 width, reads well on a phone
QR_SIZE = 50 * mm
QR_LEVEL = "M"  # survives a scratched print or a cracked phone screen

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_CODE = "Courier"

INK = HexColor("#1B1F2A")
MUTED = HexColor("#5F6878")
BRAND = HexColor("#14213D")
ACCENT = HexColor("#F2A900")
RULE = HexColor("#D5D9E0")
PANEL = HexColor("#F3F5F8")


def qr_modules(code: str) -> tuple[bytearray, ...]:
    """The QR symbol of one ticket, row by row (1 = a dark module), without the quiet zone
    (the layout leaves one). It encodes exactly `code` at error correction level M or higher:
    segno raises the level when that fits in the same symbol size, and picks the mask the
    standard's penalty rules choose (reportlab's encoder did the same a third slower)."""
    return segno.make_qr(code, error=QR_LEVEL, mode="byte").matrix


def render_ticket_pdf(data: TicketData) -> bytes:
    """The whole purchase as PDF bytes: one page per ticket, in the order of data.tickets."""
    labels = LABELS[data.language]
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=PAGE_SIZE,
        pageCompression=1,
        lang="es-CL" if data.language == "es" else "en",
    )
    canvas.setTitle(f"{labels['ticket']} {data.purchase_number} · {data.event.name}")
    canvas.setAuthor(data.seller_name)
    canvas.setSubject(
        f"{data.event.name}, {format_datetime(data.event.starts_at, data.language)}, "
        f"{data.event.location}"
    )
    canvas.setCreator(f"{data.seller_name} (lambda_pdf)")
    canvas.setKeywords([labels["ticket"], data.purchase_number])

    for index, item in enumerate(data.tickets, start=1):
        _draw_page(canvas, data, item, index=index, labels=labels)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- layout -------------------------------------------------------------------------------

_W, _H = PAGE_SIZE
_MARGIN = 10 * mm
_HEADER_H = 17 * mm
_FOOTER_H = 10 * mm
_STUB_W = 64 * mm
_STUB_X = _W - _STUB_W  # the perforation
_MAIN_W = _STUB_X - _MARGIN - 8 * mm


def _draw_page(
    canvas: Canvas, data: TicketData, item: TicketItem, *, index: int, labels: dict[str, str]
) -> None:
    ticket_of = labels["ticket_of"].format(i=index, n=data.quantity)
    _draw_header(canvas, data.seller_name, labels["e_ticket"], ticket_of)
    _draw_main(canvas, data, labels)
    _draw_stub(canvas, item, ticket_of, labels)
    _draw_footer(canvas, data, labels)


def _draw_header(canvas: Canvas, seller: str, kind: str, ticket_of: str) -> None:
    top = _H - _HEADER_H
    canvas.setFillColor(BRAND)
    canvas.rect(0, top, _W, _HEADER_H, stroke=0, fill=1)
    canvas.setFillColor(ACCENT)
    canvas.rect(0, top - 1.2 * mm, _W, 1.2 * mm, stroke=0, fill=1)

    canvas.setFillColor(white)
    name = _fit_one_line(seller, FONT_BOLD, 15, _STUB_X - _MARGIN - 4 * mm, minimum=10)
    canvas.setFont(FONT_BOLD, name.size)
    canvas.drawString(_MARGIN, top + 6.6 * mm, name.text)

    right = _W - _MARGIN
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(Color(1, 1, 1, alpha=0.75))
    canvas.drawRightString(right, top + 10 * mm, kind.upper())
    canvas.setFillColor(white)
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawRightString(right, top + 5 * mm, ticket_of)


def _draw_main(canvas: Canvas, data: TicketData, labels: dict[str, str]) -> None:
    x = _MARGIN
    y = _H - _HEADER_H - 1.2 * mm - 9 * mm  # first baseline under the accent stripe

    title = _fit_lines(data.event.name, FONT_BOLD, 20, _MAIN_W, max_lines=2, minimum=13)
    canvas.setFillColor(INK)
    canvas.setFont(FONT_BOLD, title.size)
    for line in title.lines:
        canvas.drawString(x, y, line)
        y -= title.size * 1.15
    y -= 2.5 * mm

    when = format_datetime(data.event.starts_at, data.language)
    y = _field(canvas, x, y, labels["date"], when, width=_MAIN_W, size=11, bold=True)
    y -= 2 * mm
    y = _field(canvas, x, y, labels["venue"], data.event.location, width=_MAIN_W, size=11)

    # Who and which purchase.
    y -= 3 * mm
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(x, y, x + _MAIN_W, y)
    y -= 4.5 * mm
    half = _MAIN_W * 0.52
    quarter = (_MAIN_W - half) / 2
    issued = format_datetime(
        data.issued_at.astimezone(data.event.starts_at.tzinfo), data.language, weekday=False
    )
    row_top = y
    y_buyer = _field(canvas, x, row_top, labels["buyer"], data.buyer.name, width=half - 4 * mm)
    y_buyer = _text_line(
        canvas, x, y_buyer - 0.4 * mm, data.buyer.email, FONT, 8.5, MUTED, half - 4 * mm
    )
    y_number = _field(
        canvas,
        x + half,
        row_top,
        labels["purchase_number"],
        data.purchase_number,
        width=quarter - 3 * mm,
        bold=True,
    )
    y_issued = _field(
        canvas, x + half + quarter, row_top, labels["issued_at"], issued, width=quarter, size=8
    )
    y = min(y_buyer, y_number, y_issued)

    _draw_money_panel(canvas, data, labels, above=y)


def _draw_money_panel(canvas: Canvas, data: TicketData, labels: dict[str, str], *, above) -> None:
    """Quantity, unit price and total on a light panel just over the footer, or lower when
    the rows above reach down to ``above``."""
    x = _MARGIN
    panel_h = 13 * mm
    panel_y = min(above - panel_h, _FOOTER_H + 5 * mm)
    canvas.setFillColor(PANEL)
    canvas.roundRect(x, panel_y, _MAIN_W, panel_h, 1.5 * mm, stroke=0, fill=1)
    inner_y = panel_y + panel_h - 4.6 * mm
    col = (_MAIN_W - 8 * mm) / 3
    cells = (
        (labels["quantity"], str(data.quantity), False),
        (labels["unit_price"], format_clp(data.unit_price), False),
        (labels["total"], format_clp(data.total), True),
    )
    for n, (label, value, strong) in enumerate(cells):
        cx = x + 4 * mm + n * col
        _field(canvas, cx, inner_y, label, value, width=col - 2 * mm, size=12, bold=strong)


def _draw_stub(canvas: Canvas, item: TicketItem, ticket_of: str, labels: dict[str, str]) -> None:
    top = _H - _HEADER_H - 1.2 * mm
    bottom = _FOOTER_H
    # Perforation: a dashed line with two half-moon notches.
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.setDash(2.2, 2.2)
    canvas.line(_STUB_X, bottom + 3 * mm, _STUB_X, top - 3 * mm)
    canvas.setDash()
    canvas.setFillColor(white)
    canvas.setStrokeColor(RULE)
    for cy in (top, bottom):
        canvas.circle(_STUB_X, cy, 2.2 * mm, stroke=1, fill=1)

    center = _STUB_X + _STUB_W / 2
    inner_w = _STUB_W - 10 * mm
    seat = item.seat_label or labels["general_admission"]
    seat_text = f"{labels['seat']} {seat}" if item.seat_label else seat
    fitted = _fit_lines(seat_text, FONT_BOLD, 10, inner_w, max_lines=2, minimum=7.5)
    seat_h = len(fitted.lines) * fitted.size * 1.15
    code = _fit_lines(item.code, FONT_CODE, 7, inner_w, max_lines=3, minimum=5, hard_wrap=True)
    # Centre the block (seat, QR, code, caption) between the header and the footer.
    block_h = seat_h + 3 * mm + QR_SIZE + 3.2 * mm + len(code.lines) * code.size * 1.2 + 7
    y = (top + bottom + block_h) / 2 - fitted.size * 0.75
    canvas.setFillColor(INK)
    canvas.setFont(FONT_BOLD, fitted.size)
    for line in fitted.lines:
        canvas.drawCentredString(center, y, line)
        y -= fitted.size * 1.15
    y += fitted.size * 1.15

    qr_top = y - 3 * mm
    _draw_qr(canvas, qr_modules(item.code), center - QR_SIZE / 2, qr_top - QR_SIZE)

    canvas.setFillColor(INK)
    canvas.setFont(FONT_CODE, code.size)
    y = qr_top - QR_SIZE - 3.2 * mm
    for line in code.lines:
        canvas.drawCentredString(center, y, line)
        y -= code.size * 1.2
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT, 6.5)
    canvas.drawCentredString(center, y - 0.6 * mm, f"{labels['code']} · {ticket_of}")


def _draw_qr(canvas: Canvas, modules: tuple[bytearray, ...], x: float, y: float) -> None:
    """Draw the modules as one filled path, QR_SIZE square with its lower left at (x, y).

    One rectangle per run of dark modules in a row, not a shape object per module: that took
    most of a page's render time. One path also leaves no hairline seams between neighbouring
    modules in viewers.
    """
    module = QR_SIZE / len(modules)
    top = y + QR_SIZE
    path = canvas.beginPath()
    for row_index, row in enumerate(modules):
        column = 0
        for dark, run in itertools.groupby(row):
            length = sum(1 for _ in run)
            if dark:
                path.rect(
                    x + column * module, top - (row_index + 1) * module, length * module, module
                )
            column += length
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_footer(canvas: Canvas, data: TicketData, labels: dict[str, str]) -> None:
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(_MARGIN, _FOOTER_H, _W - _MARGIN, _FOOTER_H)
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT, 7)
    footer = _fit_one_line(labels["footer"], FONT, 7, _STUB_X - _MARGIN - 4 * mm, minimum=5.5)
    canvas.setFont(FONT, footer.size)
    canvas.drawString(_MARGIN, _FOOTER_H - 5 * mm, footer.text)
    issued_by = labels["issued_by"].format(seller=data.seller_name)
    by = _fit_one_line(issued_by, FONT, 7, _STUB_W - 6 * mm, minimum=5.5)
    canvas.setFont(FONT, by.size)
    canvas.drawRightString(_W - _MARGIN, _FOOTER_H - 5 * mm, by.text)


# --- text helpers -------------------------------------------------------------------------


class _Fitted:
    __slots__ = ("lines", "size")

    def __init__(self, lines: list[str], size: float) -> None:
        self.lines = lines
        self.size = size

    @property
    def text(self) -> str:
        return self.lines[0]


def _field(
    canvas: Canvas,
    x: float,
    y: float,
    label: str,
    value: str,
    *,
    width: float,
    size: float = 9.5,
    bold: bool = False,
) -> float:
    """A small grey label over its value; returns the baseline below the value."""
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT, 7)
    canvas.drawString(x, y, label)
    y -= size + 1.5
    font = FONT_BOLD if bold else FONT
    value_y = y
    y = _text_line(canvas, x, value_y, value, font, size, INK, width)
    return y


def _text_line(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    color: Color,
    width: float,
) -> float:
    fitted = _fit_lines(text, font, size, width, max_lines=2, minimum=size * 0.8)
    canvas.setFillColor(color)
    canvas.setFont(font, fitted.size)
    for line in fitted.lines:
        canvas.drawString(x, y, line)
        y -= fitted.size * 1.2
    return y


def _fit_one_line(text: str, font: str, size: float, width: float, *, minimum: float) -> _Fitted:
    return _fit_lines(text, font, size, width, max_lines=1, minimum=minimum)


def _fit_lines(
    text: str,
    font: str,
    size: float,
    width: float,
    *,
    max_lines: int,
    minimum: float,
    hard_wrap: bool = False,
) -> _Fitted:
    """Wrap `text` in at most `max_lines`, shrinking the font down to `minimum` first.

    If it still does not fit, the last line ends with an ellipsis (or, with hard_wrap, long
    words such as ticket codes are cut anywhere, and every character is kept).
    """
    text = printable(text)
    current = size
    while True:
        lines = _wrap(text, font, current, width, hard_wrap=hard_wrap)
        fits = all(stringWidth(line, font, current) <= width for line in lines)
        if (fits and len(lines) <= max_lines) or current <= minimum:
            break
        current = max(minimum, current - 1)
    if hard_wrap:
        return _Fitted(lines, current)
    kept = lines[:max_lines]
    if len(lines) > max_lines:
        kept[-1] = " ".join(lines[max_lines - 1 :])
    # A last line that is too long (or one unbreakable word) ends with an ellipsis.
    return _Fitted([_ellipsize(line, font, current, width) for line in kept], current)


def _wrap(text: str, font: str, size: float, width: float, *, hard_wrap: bool) -> list[str]:
    if not hard_wrap:
        lines = simpleSplit(text, font, size, width)
        return lines or [""]
    # Monospaced, no spaces: cut every N characters.
    per_line = max(1, int(width // stringWidth("M", font, size)))
    return [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]


def _ellipsize(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
