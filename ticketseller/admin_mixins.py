"""Admin pieces shared by the apps."""


class ReadOnlyAdminMixin:
    """Rows that change only through services (money, jobs, deliveries): staff look, never
    edit, add or delete them from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
