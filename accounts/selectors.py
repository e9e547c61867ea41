"""Reads of accounts: which account a log-in names, the language a person chose, and a
permission checked on every page."""

from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


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
    The statement is written once per process: building it with the ORM on every page cost
    ten times what the database spends answering it.
    """
    if not (user.is_active and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    with connection.cursor() as cursor:
        cursor.execute(_permission_sql(), [app_label, codename, user.pk, user.pk])
        return cursor.fetchone() is not None


@cache
def _permission_sql() -> str:
    """The permission (by app label and codename) given to the user directly or through a
    group; names from the models' metadata, so a renamed table cannot drift from it."""
    q = connection.ops.quote_name
    User = get_user_model()
    direct, member, granted = (
        User.user_permissions.through._meta,
        User.groups.through._meta,
        Group.permissions.through._meta,
    )

    def column(meta, name: str) -> str:
        return q(meta.get_field(name).column)

    return (
        f"SELECT 1 FROM {q(Permission._meta.db_table)} p"
        f" JOIN {q(ContentType._meta.db_table)} ct ON ct.id = p.content_type_id"
        " WHERE ct.app_label = %s AND p.codename = %s AND ("
        f"EXISTS (SELECT 1 FROM {q(direct.db_table)} d"
        f" WHERE d.{column(direct, 'permission')} = p.id AND d.{column(direct, 'user')} = %s)"
        f" OR EXISTS (SELECT 1 FROM {q(granted.db_table)} g"
        f" JOIN {q(member.db_table)} m"
        f" ON m.{column(member, 'group')} = g.{column(granted, 'group')}"
        f" WHERE g.{column(granted, 'permission')} = p.id AND m.{column(member, 'user')} = %s))"
        " LIMIT 1"
    )
