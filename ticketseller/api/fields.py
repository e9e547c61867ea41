from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class WholeNumberField(serializers.IntegerField):
    """Whole CLP as a JSON integer (or a string of digits). Floats, even 10.0, are refused:
    a client sending decimals has misunderstood the currency and must be told. Limits are
    the service's business, so they live in one place."""

    default_error_messages = {"whole": _("Enter a whole number of pesos (no decimals).")}

    def to_internal_value(self, data):
        if isinstance(data, (bool, float)):
            self.fail("whole")
        if isinstance(data, str) and not data.strip().isdigit():
            self.fail("invalid")
        return super().to_internal_value(data)
