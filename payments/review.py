"""The buy box's review step without JavaScript: "Buy" posts here, the page shows what the
purchase costs and leaves, and its "Confirm purchase" posts the same form (same idempotency
token, same admission token) to `payments:create`. Nothing is written here: the purchase is
created once, by the confirm. With JavaScript the event page shows the same step in a dialog
and posts to `payments:create` directly (static/js/buy_box.js)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.forms import BuyForm
from events.models import Event
from payments.buy_box import (
    buy_box,
    buy_quantity_from,
    buy_quantity_max,
    buy_summary,
    event_path_with_quantity,
)
from payments.views import back_to_event, too_many_message


@login_required
@require_POST
def purchase_review_view(request, event_pk: int):
    event = get_object_or_404(Event, pk=event_pk)
    form = BuyForm(request.POST, available=event.available)
    asked = buy_quantity_from(request.POST.get("quantity"))
    if not form.is_valid():  # the same answers the create view gives, before anything is asked
        if asked is not None and asked > buy_quantity_max(event=event):
            messages.error(request, too_many_message(event))
        else:
            messages.error(request, _("Choose how many tickets to buy."))
        return back_to_event(event, asked)
    quantity = form.cleaned_data["quantity"]
    box = buy_box(event=event, user=request.user, quantity=quantity)
    return render(
        request,
        "payments/review.html",
        {
            **box,
            "event": event,
            "token": form.cleaned_data["token"],
            "admission_token": form.cleaned_data["admission_token"],
            "summary": buy_summary(
                quantity=quantity, unit_price=event.price, balance=box["balance"]
            ),
            "cancel_url": _cancel_url(event, quantity, form.cleaned_data["admission_token"]),
        },
    )


def _cancel_url(event: Event, quantity: int, admission_token: str) -> str:
    """Back where the buyer came from: the line's page keeps an admitted buyer's turn."""
    if admission_token:
        return reverse("events:queue", args=[event.pk])
    return event_path_with_quantity(event=event, quantity=quantity)
