"""`{{ purchase.status|buyer_label }}`: a status in the buyer's words (payments/buyer_words.py);
`{% buy_box event %}`: the buy form with its total and the wallet (payments/buy_box.py), for
the catalogue's pages, which may not import payments or wallet themselves."""

from django import template

from payments.buy_box import buy_box as buy_box_context
from payments.buy_box import buy_quantity_from
from payments.buyer_words import BUYER_LABELS

register = template.Library()


@register.filter
def buyer_label(status: str) -> str:
    return str(BUYER_LABELS.get(status, status))


@register.inclusion_tag("events/includes/buy_form.html", takes_context=True)
def buy_box(context, event, admission_token=None) -> dict:
    """`?quantity=N` in the address is the quantity chosen before an error or a top-up."""
    request = context["request"]
    asked = buy_quantity_from(request.GET.get("quantity"))
    return {
        **buy_box_context(event=event, user=request.user, quantity=asked),
        "event": event,
        "admission_token": admission_token,
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE"),
    }
