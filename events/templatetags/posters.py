"""`{% event_poster event %}`: a poster drawn as inline SVG from the event's name, category
and date. The shop shows no remote images (it must work offline and leak no visits), and the
exchange publishes none, so every event gets one of these."""

import textwrap
import zlib

from django import template

register = template.Library()

# Category -> (background, accent). White text on each background is above 7:1.
PALETTES = {
    "concert": ("#3b0a57", "#d63384"),
    "theatre": ("#5c0f1d", "#e0a526"),
    "festival": ("#0b4a3a", "#f2c94c"),
    "standup": ("#1f2a6b", "#ff8a3d"),
    "sports": ("#0d3b66", "#3fc1c9"),
}
OTHER = ("#2b2d42", "#8d99ae")
LINE_CHARS, MAX_LINES = 15, 4


def poster_lines(name: str) -> list[str]:
    """The name in at most four short lines; what does not fit ends in an ellipsis."""
    lines = textwrap.wrap(name, LINE_CHARS, break_long_words=True) or [""]
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], lines[MAX_LINES - 1][: LINE_CHARS - 1] + "…"]
    return lines


@register.inclusion_tag("events/includes/poster.html")
def event_poster(event) -> dict:
    background, accent = PALETTES.get(event.category, OTHER)
    # The same event always gets the same composition; events of a category differ.
    shift = zlib.crc32(str(event.event_id).encode())
    return {
        "event": event,
        "background": background,
        "accent": accent,
        "circle_x": 60 + shift % 160,
        "circle_y": 90 + (shift >> 8) % 120,
        "lines": poster_lines(event.name),
    }
