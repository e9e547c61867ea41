"""Delivery's URLs, with their full paths: include once at the root,
`path("", include("payments.delivery.urls"))` in `ticketseller/urls.py`."""

from django.urls import path

from payments.delivery import apis, views

urlpatterns = [
    path("purchases/<uuid:pk>/ticket/", views.ticket_download_view, name="delivery-ticket"),
    path(
        "api/v1/purchases/<uuid:pk>/ticket/",
        apis.PurchaseTicketApi.as_view(),
        name="delivery-ticket-api",
    ),
    path("staff/check-in/", views.check_in_view, name="delivery-check-in"),
]
