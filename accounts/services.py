from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.models import AccountProfile
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


def user_token_revoke(*, user) -> None:
    """Delete the user's API token (a new one is made at the next log-in through the API)."""
    Token.objects.filter(user=user).delete()


def account_update(*, user, email: str, language: str) -> None:
    """Save what the account page edits: the email (unique, as at sign-up) and the language
    of the emails the shop sends."""
    User = get_user_model()
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        errors["email"] = [_("An account with this email already exists.")]
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the languages offered.")]
    if errors:
        raise InvalidInput(details=errors)
    with transaction.atomic():
        if user.email != email:
            user.email = email
            user.save(update_fields=["email"])
        AccountProfile.objects.update_or_create(user=user, defaults={"language": language})
