"""Reads of ticket delivery: links to a purchase's ticket, its stored file, its emails."""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

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
