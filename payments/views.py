from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.errors import AdmissionRequired
from events.forms import BuyForm
from events.models import Event
from payments.admission import purchase_admission_check
from payments.selectors import (
    purchase_challenges_progress,
    purchase_get_for_user,
    purchase_list_for_user,
)
from payments.services import purchase_create
from ticketseller.errors import ServiceError


@login_required
@require_POST
def purchase_create_view(request, event_id: int):
    event = get_object_or_404(Event, pk=event_id)
    form = BuyForm(request.POST, available=event.available)
    if not form.is_valid():
        messages.error(request, _("Choose how many tickets to buy."))
        return redirect(event)
    key = f"form:{form.cleaned_data['token']}"
    try:
        purchase_admission_check(
            user=request.user,
            event_id=event.pk,
            token=form.cleaned_data["admission_token"],
            idempotency_key=key,
        )
        purchase = purchase_create(
            user=request.user,
            event_id=event.pk,
            quantity=form.cleaned_data["quantity"],
            idempotency_key=key,
            language=request.LANGUAGE_CODE,
        )
    except AdmissionRequired as exc:  # the waiting room is on: to the line, not the event
        messages.error(request, exc.message)
        return redirect("events:queue", event.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(event)
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
    return render(
        request,
        "payments/detail.html",
        {"purchase": purchase, "progress": purchase_challenges_progress(purchase=purchase)},
    )
