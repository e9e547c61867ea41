"""Reads of accounts: which account a log-in names, the language a person chose, and a
permission checked on every page."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q


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


def user_has_permission(*, user, app_label: str, codename: str) -> bool:
    """`user.has_perm` in one query instead of two, for a check made on every page (the menu).

    The rule of Django's `ModelBackend`, which both our backends are: an active superuser has
    every permission; another active user has those given to them or to one of their groups.
    """
    if not (user.is_active and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return permission.filter(Q(user=user) | Q(group__user=user)).exists()
