import re
import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ticketseller.templatetags.money import format_clp

# Whole pesos, optionally written the Chilean way: "25000", "25.000", "$25.000".
_AMOUNT = re.compile(r"^\$?\s*(\d{1,3}(?:\.\d{3})+|\d+)$")


def parse_clp(raw: str) -> int | None:
    """ "25.000" means twenty-five thousand pesos here, never 25 with decimals."""
    match = _AMOUNT.match(raw.strip())
    return int(match.group(1).replace(".", "")) if match else None


class DepositForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount (CLP)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Enter the amount to add.")},
    )
    # One token per rendered form: a double click or a refresh deposits once.
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_amount(self) -> int:
        amount = parse_clp(self.cleaned_data["amount"])
        if amount is None:
            raise forms.ValidationError(
                _("Enter a whole number of pesos, like 25000 or 25.000 (no decimals or letters).")
            )
        low, high = settings.WALLET_DEPOSIT_MIN, settings.WALLET_DEPOSIT_MAX
        if not low <= amount <= high:
            raise forms.ValidationError(
                _("The amount must be between %(min)s and %(max)s.")
                % {"min": format_clp(low), "max": format_clp(high)}
            )
        return amount
