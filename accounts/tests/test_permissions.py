"""The menu's one-query permission check answers as Django's `has_perm` does, for every kind
of account (it is shown on every page, so it must be cheap and must not drift)."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.selectors import user_has_permission

pytestmark = pytest.mark.django_db


@pytest.fixture
def check_in():
    return Permission.objects.get(content_type__app_label="payments", codename="add_checkin")


def _accounts(make_user, django_user_model, check_in):
    direct = make_user("direct")
    direct.user_permissions.add(check_in)
    door, _ = Group.objects.get_or_create(name="Door staff")  # a migration makes it
    door.permissions.add(check_in)
    grouped = make_user("grouped")
    grouped.groups.add(door)
    other_group = Group.objects.create(name="Sales")
    other_group.permissions.add(Permission.objects.get(codename="view_event"))
    unrelated = make_user("unrelated")
    unrelated.groups.add(other_group)
    inactive = make_user("inactive", is_active=False)
    inactive.user_permissions.add(check_in)
    return {
        "direct": direct,
        "grouped": grouped,
        "unrelated": unrelated,
        "plain": make_user("plain"),
        "inactive": inactive,
        "superuser": django_user_model.objects.create_superuser("root", "r@x.cl", "pw-123456x"),
    }


def test_it_answers_as_has_perm_for_every_kind_of_account(make_user, django_user_model, check_in):
    expected = {"direct": True, "grouped": True, "superuser": True}
    for name, user in _accounts(make_user, django_user_model, check_in).items():
        fresh = django_user_model.objects.get(pk=user.pk)  # no permission cache of has_perm
        ours = user_has_permission(user=fresh, app_label="payments", codename="add_checkin")
        assert ours == fresh.has_perm("payments.add_checkin") == expected.get(name, False), name


def test_it_costs_one_query(make_user, django_assert_num_queries, check_in):
    user = make_user()
    user.user_permissions.add(check_in)
    with django_assert_num_queries(1):
        assert user_has_permission(user=user, app_label="payments", codename="add_checkin")
