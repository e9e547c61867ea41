"""An event as an iCalendar file (RFC 5545) for "Agregar al calendario".

Times are written in UTC (`…Z`), so no VTIMEZONE block is needed. The UID is the exchange's
id of the event, so importing the file again updates the same calendar entry.
"""

import datetime as dt

from django.utils.translation import gettext as _

from events.models import Event
from ticketseller.templatetags.when import when

MAX_OCTETS = 75  # per line, without the CRLF


def ical_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for char, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(char, escaped)
    return value


def ical_fold(line: str) -> str:
    """One content line folded to at most 75 octets per physical line, never inside a
    UTF-8 character; a continuation line starts with one space (RFC 5545 3.1)."""
    parts, current, size = [], "", 0
    for char in line:
        octets = len(char.encode())
        if size + octets > MAX_OCTETS:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += octets
    parts.append(current)
    return "\r\n".join(parts)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _description(event: Event, url: str) -> str:
    lines = [event.description] if event.description else []
    if event.doors_at:
        lines.append(_("Doors open: %(time)s") % {"time": when(event.doors_at, "TIME_FORMAT")})
    lines.append(url)
    return "\n".join(lines)


def event_ical(*, event: Event, url: str) -> str:
    """The whole file, with CRLF line ends. `url` is the event page's absolute address."""
    place = ", ".join(part for part in (event.location, event.address) if part)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ticketseller//events//ES",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.event_id}@ticketseller",
        f"DTSTAMP:{_utc(event.updated_at)}",
        f"DTSTART:{_utc(event.date)}",
        f"SUMMARY:{ical_text(event.name)}",
        f"LOCATION:{ical_text(place)}",
        f"GEO:{event.latitude:f};{event.longitude:f}",
        f"DESCRIPTION:{ical_text(_description(event, url))}",
        f"URL:{url}",
    ]
    if event.category:
        lines.append(f"CATEGORIES:{ical_text(event.category_label)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(ical_fold(line) + "\r\n" for line in lines)
