"""The two emails a purchase can get, in the buyer's language: "your tickets" (validated)
and "your money was refunded" (rejected or expired)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from payments.delivery.models import NotificationOutcome
from payments.delivery.pdf_data import buyer_name
from payments.delivery.selectors import (
    buyer_email_language,
    ticket_file_ready,
    ticket_page_path,
)
from ticketseller.templatetags.money import format_clp

_TEMPLATES = {
    NotificationOutcome.VALIDATED: "emails/ticket_ready",
    NotificationOutcome.REFUNDED: "emails/refunded",
}


def email_templates_load() -> None:
    """Compile every email's templates into the template cache (a worker warming up)."""
    for base in _TEMPLATES.values():
        get_template(f"{base}.txt")
        get_template(f"{base}.html")


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def email_build(
    *, purchase, outcome: str, ticket_ready: bool | None = None
) -> EmailMultiAlternatives:
    """The message for `outcome`, in the buyer's language (`buyer_email_language`).
    `ticket_ready`: whether the PDF is stored, when the caller knows; else it is read."""
    if ticket_ready is None:
        ticket_ready = ticket_file_ready(purchase_id=purchase.pk)
    with translation.override(buyer_email_language(purchase=purchase)):
        context = {
            "seller_name": settings.SELLER_NAME,
            "buyer_name": buyer_name(purchase.user),
            "purchase": purchase,
            "number": purchase.short_number,
            "event": purchase.event,
            "quantity": purchase.quantity,
            "unit_price": format_clp(purchase.unit_price),
            "total": format_clp(purchase.amount),
            "ticket_url": absolute_url(ticket_page_path(purchase)),
            # False when the email stopped waiting for a PDF that keeps failing: it then
            # sends the buyer to the purchase page, where the ticket appears once rendered.
            "ticket_ready": ticket_ready,
            "purchase_url": absolute_url(purchase.get_absolute_url()),
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        if outcome == NotificationOutcome.VALIDATED:
            subject = _("%(seller)s: your tickets for %(event)s (purchase %(number)s)")
        else:
            subject = _("%(seller)s: your money was refunded (purchase %(number)s)")
        subject = subject % {
            "seller": settings.SELLER_NAME,
            "event": purchase.event.name,
            "number": purchase.short_number,
        }
        base = _TEMPLATES[outcome]
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # no line breaks in a header
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[purchase.user.email],
        headers={"X-CPE-Purchase": purchase.short_number, "X-CPE-Outcome": str(outcome)},
    )
    message.attach_alternative(html, "text/html")
    return message
