"""Reads of ticket delivery: links to a purchase's ticket, its stored file, its emails."""

from django.db.models import QuerySet
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


def ticket_file_get(*, purchase_id) -> TicketFile | None:
    return TicketFile.objects.filter(purchase_id=purchase_id).first()


def notification_list_for_purchase(*, purchase_id) -> QuerySet[Notification]:
    return Notification.objects.filter(purchase_id=purchase_id).order_by("created_at")


def check_in_get(*, purchase_id, index: int) -> CheckIn | None:
    return (
        CheckIn.objects.filter(purchase_id=purchase_id, ticket_index=index)
        .select_related("checked_in_by")
        .first()
    )
