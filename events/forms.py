"""The buy form, in one place: read back by payments' purchase view; drawn on the event page
and the waiting room's page by payments' `{% buy_box %}` tag (the box shows the wallet, which
events may not import)."""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def buy_quantities(*, available: int) -> range:
    """1 … what one purchase may take (PURCHASE_MAX_QUANTITY, at most the seats left). Never
    empty: a purchase of 1 racing the last seat gets the service's "sold out", not a form
    error (the pages hide the form once the event is sold out)."""
    return range(1, max(1, min(settings.PURCHASE_MAX_QUANTITY, available)) + 1)


class BuyForm(forms.Form):
    quantity = forms.TypedChoiceField(label=_("Tickets"), coerce=int, initial=1)
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    # The waiting room's admission, when the room is on for the event (events/waiting_room.py).
    admission_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def __init__(self, *args, available: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].choices = [(n, str(n)) for n in buy_quantities(available=available)]
