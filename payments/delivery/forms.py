from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _


def _event_choices(events) -> list[tuple[int, str]]:
    def when(event) -> str:
        return formats.date_format(timezone.localtime(event.date), "SHORT_DATETIME_FORMAT")

    return [(event.pk, f"{event.name} · {when(event)}") for event in events]


class DoorEventForm(forms.Form):
    """Which event this door checks (a GET form: the choice stays in the page's address)."""

    event = forms.TypedChoiceField(label=_("Event at this door"), coerce=int)

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = _event_choices(events)
        self.fields["event"].widget.attrs["data-testid"] = "check-in-event"


class CheckInForm(forms.Form):
    event = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
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

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = _event_choices(events)
