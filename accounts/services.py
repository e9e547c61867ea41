from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from ticketseller.errors import InvalidInput


def user_register(
    *, username: str, email: str, password: str, first_name: str = "", last_name: str = ""
):
    """Create a user (and, through `wallet.signals`, the user's wallet)."""
    User = get_user_model()
    email = email.strip().lower()
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken.")]
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("An account with this email already exists.")]
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise InvalidInput(details=errors)
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # a concurrent sign-up took the name between check and insert
        raise InvalidInput(details={"username": [_("This username is taken.")]}) from None
    return candidate


def user_token(*, user) -> str:
    """The user's API token, created on first use."""
    token, _created = Token.objects.get_or_create(user=user)
    return token.key
