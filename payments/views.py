from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from events.errors import AdmissionRequired, SoldOut
from events.forms import BuyForm
from events.models import Event
from payments.admission import purchase_admission_check
from payments.buy_box import buy_quantity_from, buy_quantity_max, event_path_with_quantity
from payments.buyer_words import purchase_for_buyer
from payments.selectors import (
    purchase_challenges_progress,
    purchase_get_for_user,
    purchase_list_for_user,
)
from payments.services import purchase_create
from ticketseller.errors import ServiceError
from ticketseller.templatetags.money import format_clp
from wallet.errors import InsufficientFunds
from wallet.selectors import wallet_balance_for_user


def too_many_message(event: Event) -> str:
    """What to say when the buyer asks for more tickets than may be bought now."""
    if event.available == 0:
        return _("Sold out: there are no tickets left.")
    if event.available <= settings.PURCHASE_MAX_QUANTITY:
        return ngettext("Only %(n)s ticket left.", "Only %(n)s tickets left.", event.available) % {
            "n": event.available
        }
    return _("You can buy up to %(n)s tickets per purchase.") % {
        "n": settings.PURCHASE_MAX_QUANTITY
    }


def back_to_event(event: Event, quantity: int | None):
    """The event page again, with the quantity the buyer chose (it survives the error)."""
    if quantity is None:
        return redirect(event)
    return redirect(event_path_with_quantity(event=event, quantity=quantity))


@login_required
@require_POST
def purchase_create_view(request, event_pk: int):
    event = get_object_or_404(Event, pk=event_pk)
    form = BuyForm(request.POST, available=event.available)
    asked = buy_quantity_from(request.POST.get("quantity"))
    if not form.is_valid():
        if asked is not None and asked > buy_quantity_max(event=event):
            messages.error(request, too_many_message(event))
        else:
            messages.error(request, _("Choose how many tickets to buy."))
        return back_to_event(event, asked)
    key = f"form:{form.cleaned_data['token']}"
    try:
        purchase_admission_check(
            user=request.user,
            event_pk=event.pk,
            token=form.cleaned_data["admission_token"],
            idempotency_key=key,
        )
        purchase = purchase_create(
            user=request.user,
            event_pk=event.pk,
            quantity=form.cleaned_data["quantity"],
            idempotency_key=key,
            language=request.LANGUAGE_CODE,
        )
    except AdmissionRequired as exc:  # the waiting room is on: to the line, not the event
        messages.error(request, exc.message)
        return redirect("events:queue", event.pk)
    except SoldOut:  # seats went while the buyer chose: say how many are left now
        event.refresh_from_db()
        messages.error(request, too_many_message(event))
        return back_to_event(event, asked)
    except InsufficientFunds:
        missing = event.price * form.cleaned_data["quantity"] - wallet_balance_for_user(
            user=request.user
        )
        messages.error(
            request,
            _("You are %(missing)s short for this purchase: add money to your wallet.")
            % {"missing": format_clp(max(missing, 0))},
        )
        return back_to_event(event, asked)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return back_to_event(event, asked)
    return redirect(purchase)


@login_required
def purchase_list_view(request):
    page = Paginator(purchase_list_for_user(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "payments/list.html", {"page": page})


@login_required
def purchase_detail_view(request, pk):
    purchase = purchase_get_for_user(user=request.user, purchase_id=pk)
    if purchase is None:
        raise Http404
    progress = purchase_challenges_progress(purchase=purchase)
    return render(
        request,
        "payments/detail.html",
        {
            "purchase": purchase,
            "progress": progress,
            "buyer": purchase_for_buyer(purchase=purchase, progress=progress),
        },
    )
