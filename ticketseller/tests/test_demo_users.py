"""`manage.py create_demo_users` (scripts/run.sh runs it at every `make run`)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from wallet.selectors import wallet_balance_for_user

pytestmark = pytest.mark.django_db


def test_the_demo_users_are_created_once_with_their_welcome_money_once(settings):
    settings.DEBUG = True

    call_command("create_demo_users", stdout=io.StringIO())
    call_command("create_demo_users", stdout=io.StringIO())  # every `make run` calls it again

    users = get_user_model().objects
    demo = users.get(username="demo")
    assert demo.check_password("demo-pass-2026")
    assert wallet_balance_for_user(user=demo) == 200_000
    assert users.get(username="admin").is_superuser
    assert users.count() == 2


def test_the_demo_users_are_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="development only"):
        call_command("create_demo_users")

    assert not get_user_model().objects.exists()


def test_make_run_asks_for_them_only_when_debug_is_on(settings, django_user_model):
    settings.DEBUG = False
    out = io.StringIO()

    call_command("create_demo_users", "--if-debug", stdout=out)

    assert "DEBUG is off" in out.getvalue()
    assert not django_user_model.objects.filter(username__in=["demo", "admin"]).exists()
