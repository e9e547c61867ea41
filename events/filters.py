"""The catalogue's query parameters, shared by the page and the API."""

import datetime as dt

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# Filter dates are bounded: a day near the calendar's ends (9999-12-31, 0001-01-01) would
# overflow when the selector turns it into an aware datetime and adds a day.
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)


class BoundedDateField(forms.DateField):
    def validate(self, value):
        super().validate(value)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise forms.ValidationError(
                _("Choose a day between %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": date_format(DATE_MIN), "last": date_format(DATE_MAX)},
            )


class EventFilterForm(forms.Form):
    search = forms.CharField(label=_("Search"), required=False, max_length=100)
    date_from = BoundedDateField(label=_("From"), required=False)
    date_to = BoundedDateField(label=_("To"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date must not be before the start date."))
        return data
