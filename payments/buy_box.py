"""The buy box of an event page: what a purchase of N tickets costs and what it leaves.

Read-only (a selector for the page): the quantities a buyer may choose (seats left and
PURCHASE_MAX_QUANTITY), unit price, total, balance now and after, and how much is missing
with a pre-filled "add money" link that comes back to the event with the same quantity.
"""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ticketseller.templatetags.money import format_clp
from wallet.selectors import wallet_balance_for_user


def buy_quantity_max(*, event) -> int:
    return min(settings.PURCHASE_MAX_QUANTITY, event.available)


def buy_quantity_from(raw) -> int | None:
    """A quantity asked for in the address (`?quantity=3`), or None."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def event_path_with_quantity(*, event, quantity: int) -> str:
    return f"{event.get_absolute_url()}?{urlencode({'quantity': quantity})}"


def buy_box(*, event, user, quantity: int | None = None) -> dict:
    """The template context of `events/includes/buy_form.html`."""
    top = buy_quantity_max(event=event)
    chosen = min(max(quantity or 1, 1), max(top, 1))
    total = event.price * chosen
    context = {
        "quantities": range(1, top + 1),
        "quantity": chosen,
        "unit_price": event.price,
        "total": total,
        "buy_token": uuid.uuid4(),  # a fresh token per rendered form: a double click buys once
        "balance": None,
        "summaries": [],
    }
    if user.is_authenticated:
        balance = wallet_balance_for_user(user=user)
        context["summaries"] = [
            (n, buy_summary(quantity=n, unit_price=event.price, balance=balance))
            for n in context["quantities"]
        ]
        missing = max(total - balance, 0)
        context.update(
            balance=balance,
            balance_after=balance - total,
            missing=missing,
            min_deposit=settings.WALLET_DEPOSIT_MIN,
            top_up_url=wallet_top_up_url(
                amount=missing, next_path=event_path_with_quantity(event=event, quantity=chosen)
            ),
        )
    return context


def wallet_top_up_url(*, amount: int, next_path: str) -> str:
    """The wallet page with the deposit form pre-filled, coming back to `next_path`."""
    amount = max(amount, settings.WALLET_DEPOSIT_MIN)
    return f"{reverse('wallet:detail')}?{urlencode({'amount': amount, 'next': next_path})}"


def buy_summary(*, quantity: int, unit_price: int, balance: int | None) -> str:
    """One sentence for the review step: "2 entradas × $25.000 = $50.000, tu saldo después: $X"."""
    total = unit_price * quantity
    line = ngettext(
        "%(n)s ticket × %(price)s = %(total)s",
        "%(n)s tickets × %(price)s = %(total)s",
        quantity,
    ) % {"n": quantity, "price": format_clp(unit_price), "total": format_clp(total)}
    if balance is None:
        return line
    if balance < total:  # not a negative balance: what is missing (the box links to a top-up)
        return _("%(line)s, you are %(missing)s short") % {
            "line": line,
            "missing": format_clp(total - balance),
        }
    return _("%(line)s, your balance after: %(after)s") % {
        "line": line,
        "after": format_clp(balance - total),
    }
