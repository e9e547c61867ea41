"""The words on a ticket: labels in each language, prices and dates the way each language
writes them, and text reduced to what the standard PDF fonts can draw (Latin-1)."""

from __future__ import annotations

import unicodedata
from datetime import datetime

LABELS: dict[str, dict[str, str]] = {
    "es": {
        "ticket": "Entrada",
        "e_ticket": "Entrada electrónica",
        "ticket_of": "Entrada {i} de {n}",
        "buyer": "Comprador",
        "date": "Fecha",
        "venue": "Lugar",
        "quantity": "Cantidad",
        "unit_price": "Precio unitario",
        "total": "Total",
        "purchase_number": "N.º de compra",
        "issued_at": "Emitida el",
        "seat": "Asiento",
        "general_admission": "Admisión general",
        "code": "Código de la entrada",
        "footer": "Presenta este código en la entrada. Cada código permite un solo ingreso: "
        "no lo compartas.",
        "issued_by": "Emitida por {seller}",
    },
    "en": {
        "ticket": "Ticket",
        "e_ticket": "E-ticket",
        "ticket_of": "Ticket {i} of {n}",
        "buyer": "Buyer",
        "date": "Date",
        "venue": "Venue",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "total": "Total",
        "purchase_number": "Purchase no.",
        "issued_at": "Issued on",
        "seat": "Seat",
        "general_admission": "General admission",
        "code": "Ticket code",
        "footer": "Show this code at the entrance. Each code admits one person once: "
        "do not share it.",
        "issued_by": "Issued by {seller}",
    },
}

_MONTHS = {
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_WEEKDAYS = {  # Monday first, as datetime.weekday()
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


def format_clp(amount: int) -> str:
    """Whole pesos the Chilean way: 25000 -> "$25.000"."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,}".replace(",", ".")


def format_datetime(value: datetime, language: str, *, weekday: bool = True) -> str:
    """Date and time in the value's own offset, without the process locale.

    es: "sábado 24 de diciembre de 2026, 21:00"; en: "Saturday, 24 December 2026, 21:00".
    """
    month = _MONTHS[language][value.month - 1]
    day_name = _WEEKDAYS[language][value.weekday()]
    clock = f"{value:%H:%M}"
    if language == "es":
        date = f"{value.day} de {month} de {value.year}"
        return f"{day_name} {date}, {clock}" if weekday else f"{date}, {clock}"
    date = f"{value.day} {month} {value.year}"
    return f"{day_name}, {date}, {clock}" if weekday else f"{date}, {clock}"


def printable(text: str) -> str:
    """`text` as the standard PDF fonts can show it (their encoding is Windows-1252).

    Letters outside it lose their accents ("Dvořák" -> "Dvorák", "Łódź" -> "Lódz"); what has
    no Latin form (CJK, emoji) is left alone and shows as the viewer's missing-glyph box.
    """
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            char = _NO_DECOMPOSITION.get(char) or _strip_accents(char) or char
        out.append(char)
    return "".join(out)


_NO_DECOMPOSITION = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i"}


def _strip_accents(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    try:
        base.encode("cp1252")
    except UnicodeEncodeError:
        return ""
    return base
