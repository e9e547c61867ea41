"""`{{ purchase.status|buyer_label }}`: a status in the buyer's words (payments/buyer_words.py)."""

from django import template

from payments.buyer_words import BUYER_LABELS

register = template.Library()


@register.filter
def buyer_label(status: str) -> str:
    return str(BUYER_LABELS.get(status, status))
