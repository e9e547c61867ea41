"""The catalogue's query parameters, shared by the page and the API."""

from django import forms
from django.utils.translation import gettext_lazy as _


class EventFilterForm(forms.Form):
    search = forms.CharField(label=_("Search"), required=False, max_length=100)
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date must not be before the start date."))
        return data
