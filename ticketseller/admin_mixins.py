"""Admin pieces shared by the apps."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse


class ReadOnlyAdminMixin:
    """Rows that change only through services (money, jobs, deliveries): staff look, never
    edit, add or delete them from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def superuser_required(view):
    """Superusers only (the RQ dashboard can empty queues and delete jobs): an anonymous
    visitor goes to the admin log-in, a logged-in staff member without it gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_active and user.is_superuser):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def admin_column(field: str, label, *, kind: str = "text"):
    """A list column or read-only field of `field` under a translated `label`, shown as CLP
    (`kind="clp"`: $25.000, not 25000) or to the second (`kind="seconds"`: the admin's
    default hides them, and two steps of one purchase are often within a minute)."""
    from ticketseller.templatetags.money import format_clp
    from ticketseller.templatetags.when import when

    def column(obj):
        value = getattr(obj, field)
        if value is None or value == "":
            return "—"
        if kind == "clp":
            return format_clp(value)
        if kind == "seconds":
            return when(value, "SECONDS_DATETIME_FORMAT")
        return value

    column.__name__ = f"{field}_column"
    column.short_description = label
    column.admin_order_field = field
    return column
