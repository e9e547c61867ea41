"""Reads of accounts: which account a log-in names, and the language a person chose."""

from django.conf import settings
from django.contrib.auth import get_user_model


def user_for_login(*, login: str):
    """The account `login` names: the one with that username, else the only one with that
    email (case-insensitive). None when there is none, or when several share the email."""
    User = get_user_model()
    login = login.strip()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: login}).first()
    if user is not None or "@" not in login:
        return user
    users = list(User._default_manager.filter(email__iexact=login)[:2])
    return users[0] if len(users) == 1 else None


def login_email_is_ambiguous(*, login: str) -> bool:
    """True when `login` is no username but an email several accounts share (accounts made
    before sign-up refused a used email): those log in with their username."""
    User = get_user_model()
    login = login.strip()
    if "@" not in login or User._default_manager.filter(**{User.USERNAME_FIELD: login}).exists():
        return False
    return User._default_manager.filter(email__iexact=login).count() > 1


def user_language(*, user, default: str | None = None) -> str:
    """The language the person chose for emails, else `default`, else the site's."""
    profile = getattr(user, "account_profile", None)  # none until the account page is saved
    languages = dict(settings.LANGUAGES)
    for language in (getattr(profile, "language", ""), default):
        if language in languages:
            return language
    return settings.LANGUAGE_CODE
