"""`{{ event.date|when:"EVENT_DAY_FORMAT" }}`: a date in one of the shop's own named formats
(ticketseller/formats/<language>/formats.py), in the shop's time zone. Django's `date` filter
knows only its own format names; this one also reads ours."""

from django import template
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

register = template.Library()


def named_format(name: str) -> str:
    for module in formats.get_format_modules(get_language()):
        if hasattr(module, name):
            return getattr(module, name)
    return formats.get_format(name)


@register.filter
def when(value, name: str = "DATETIME_FORMAT") -> str:
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, named_format(name))


@register.filter
def reference_text(reference: str) -> str:
    """A ledger reference in the reader's language. References are stored as written when
    the money moved ("A1B2C3 · refund", "Deposit from the website"); each " · " part that is
    one of our messages is shown translated, the rest (purchase numbers, event names) as is."""
    from django.utils.translation import gettext

    return " · ".join(gettext(part) if part else part for part in str(reference).split(" · "))
