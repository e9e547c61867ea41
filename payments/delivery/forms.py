from django import forms
from django.utils.translation import gettext_lazy as _


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Ticket code"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "enterkeyhint": "go",
                "placeholder": "CPE1.…",
                "data-testid": "check-in-code",
            }
        ),
        help_text=_(
            "Scan the QR code with a barcode reader (it types the code and Enter) or type it."
        ),
    )
