import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class BuyForm(forms.Form):
    quantity = forms.TypedChoiceField(label=_("Tickets"), coerce=int, initial=1)
    # One token per rendered form: a double click buys once.
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    # The waiting room's admission, when the room is on for the event (events/waiting_room.py).
    admission_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def __init__(self, *args, available: int, **kwargs):
        super().__init__(*args, **kwargs)
        top = max(1, min(settings.PURCHASE_MAX_QUANTITY, available))
        self.fields["quantity"].choices = [(n, str(n)) for n in range(1, top + 1)]
