from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ticketseller.errors import ServiceError
from ticketseller.templatetags.money import format_clp
from wallet.forms import DepositForm, parse_clp
from wallet.selectors import wallet_entries, wallet_get_for_user
from wallet.services import wallet_deposit


def _safe_next(request) -> str | None:
    """Where to go after a deposit (the event page a short purchase came from), if ours."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _prefilled_amount(request) -> dict:
    """`?amount=12000` (the buy box's "add money" link) fills the form in."""
    amount = parse_clp(request.GET.get("amount", ""))
    return {"amount": format_clp(amount).lstrip("$")} if amount else {}


@login_required
def wallet_view(request):
    wallet = wallet_get_for_user(user=request.user)
    form = DepositForm(request.POST or None, initial=_prefilled_amount(request))
    next_path = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            wallet_deposit(
                wallet_id=wallet.pk,
                amount=form.cleaned_data["amount"],
                reference=_("Deposit from the website"),
                idempotency_key=f"form:{form.cleaned_data['token']}",
            )
        except ServiceError as exc:
            form.add_error("amount", exc.message)
        else:
            messages.success(
                request,
                _("%(amount)s added to your wallet.")
                % {"amount": format_clp(form.cleaned_data["amount"])},
            )
            return redirect(next_path or "wallet:detail")
    page = Paginator(wallet_entries(wallet=wallet), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "wallet/detail.html",
        {"wallet": wallet, "form": form, "page": page, "next_path": next_path},
    )
