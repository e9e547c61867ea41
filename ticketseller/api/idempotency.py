from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

MAX_KEY_LENGTH = 100


def idempotency_key_from(request: Request) -> str | None:
    """The optional `Idempotency-Key` header, checked for a sane length and characters."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(
            {"Idempotency-Key": [_("Use 1 to %(n)d printable characters.") % {"n": MAX_KEY_LENGTH}]}
        )
    return key
