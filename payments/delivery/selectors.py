"""Reads of ticket delivery: links to a purchase's ticket, its stored file, its emails."""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from payments.delivery.models import CheckIn, Notification, TicketFile
from payments.models import PurchaseStatus


def ticket_page_path(purchase) -> str:
    """`/purchases/<id>/ticket/`: the page link (session login; HTML errors)."""
    return reverse("delivery-ticket", args=[purchase.pk])


def ticket_api_path(purchase) -> str:
    """`/api/v1/purchases/<id>/ticket/`: the API link (token or session)."""
    return reverse("delivery-ticket-api", args=[purchase.pk])


def ticket_url_for(purchase, *, request=None) -> str | None:
    """The Purchase API's `ticket_url`: the API download path once the purchase is validated
    (absolute when a request is given), else None. It works for token clients and, with the
    session, as the "Download ticket" link the purchase pages draw."""
    if purchase.status != PurchaseStatus.VALIDATED:
        return None
    path = ticket_api_path(purchase)
    return request.build_absolute_uri(path) if request is not None else path


def buyer_email_language(*, purchase) -> str:
    """The language of a buyer's emails: the one chosen on the account page, else the one
    the purchase was made in. The choice is read through the user (`account_profile`, kept
    by accounts): payments does not import accounts."""
    profile = getattr(purchase.user, "account_profile", None)  # none until the page is saved
    languages = dict(settings.LANGUAGES)
    for language in (getattr(profile, "language", ""), purchase.language):
        if language in languages:
            return language
    return settings.LANGUAGE_CODE


def ticket_file_ready(*, purchase_id) -> bool:
    return TicketFile.objects.filter(purchase_id=purchase_id, rendered_at__isnull=False).exists()


def check_in_get(*, purchase_id, index: int) -> CheckIn | None:
    return (
        CheckIn.objects.filter(purchase_id=purchase_id, ticket_index=index)
        .select_related("checked_in_by")
        .first()
    )


def purchases_missing_delivery(*, ended_before, limit: int) -> list:
    """Ids of final purchases that ended before `ended_before` and still miss their ticket
    (validated ones) or their email (every final outcome; buyers without an address are left
    to staff). Oldest first; rows worked on since `ended_before` wait for the next pass."""
    from payments.models import FINAL_STATES, Purchase

    ticket_done = TicketFile.objects.filter(purchase=OuterRef("pk"), rendered_at__isnull=False)
    email_done = Notification.objects.filter(purchase=OuterRef("pk"), sent_at__isnull=False)
    busy = Q(ticket_file__updated_at__gte=ended_before) | Q(
        notifications__updated_at__gte=ended_before
    )
    missing = (Q(status=PurchaseStatus.VALIDATED) & ~Exists(ticket_done)) | (
        ~Exists(email_done) & ~Q(user__email="")
    )
    ended = Q(finished_at__lt=ended_before) | Q(finished_at=None, updated_at__lt=ended_before)
    return list(
        Purchase.objects.filter(ended, missing, status__in=FINAL_STATES)
        .exclude(busy)
        .order_by("finished_at")
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )


def door_events(*, today: dt.date) -> list:
    """The events a door can check, today's first: from yesterday to a week ahead (a door
    opens on the event's own day; the others are there so a mistaken choice is visible)."""
    from events.models import Event

    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=1), dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=8), dt.time.min))
    events = list(Event.objects.filter(date__gte=start, date__lt=end).order_by("date", "pk"))
    return sorted(events, key=lambda event: timezone.localdate(event.date) != today)


def door_count(*, event_pk: int) -> dict[str, int]:
    """People in against tickets sold and the venue's capacity, for the door's live count."""
    from events.models import Event
    from payments.models import Purchase

    sold = Purchase.objects.filter(event_id=event_pk, status=PurchaseStatus.VALIDATED).aggregate(
        n=Sum("quantity")
    )["n"]
    return {
        "entered": CheckIn.objects.filter(purchase__event_id=event_pk).count(),
        "sold": sold or 0,
        "capacity": Event.objects.filter(pk=event_pk).values_list("capacity", flat=True).first()
        or 0,
    }
