"""Admin: ticket files, notifications and check-ins, read-only, with "retry delivery".

Registered when this module is imported (from `payments/admin.py`).
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from payments.delivery.models import CheckIn, Notification, TicketFile
from payments.delivery.services import delivery_enqueue
from ticketseller.admin_mixins import ReadOnlyAdminMixin


@admin.action(description=_("Retry delivery (render the ticket, send the email)"))
def retry_delivery(modeladmin, request, queryset):
    """Works on TicketFile, Notification (their purchase) and Purchase querysets alike."""
    model = queryset.model
    field = "pk" if model._meta.model_name == "purchase" else "purchase_id"
    purchase_ids = sorted({str(pk) for pk in queryset.values_list(field, flat=True)})
    refused = [pid for pid in purchase_ids if not delivery_enqueue(purchase_id=pid)]
    if refused:  # Redis is down: the delivery sweep queues them once it is back
        modeladmin.message_user(
            request,
            _("Redis is unavailable; the delivery sweep will queue them later."),
            messages.WARNING,
        )
        return
    for obj in queryset:  # the admin's history of each object: who resent, and when
        modeladmin.log_change(request, obj, str(_("Delivery queued again (ticket and email).")))
    modeladmin.message_user(
        request,
        ngettext(
            "Delivery queued again for %d purchase.",
            "Delivery queued again for %d purchases.",
            len(purchase_ids),
        )
        % len(purchase_ids),
        messages.SUCCESS,
    )


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TicketFileInline(_ReadOnlyInline):
    """For `PurchaseAdmin.inlines`: the purchase's PDF and how rendering went."""

    model = TicketFile
    fields = ["backend", "rendered_at", "size", "attempts", "last_error"]
    readonly_fields = fields


class NotificationInline(_ReadOnlyInline):
    """For `PurchaseAdmin.inlines`: the purchase's emails."""

    model = Notification
    fields = ["outcome", "recipient", "sent_at", "attempts", "last_error"]
    readonly_fields = fields


class _ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Delivery records change only through their services (the jobs)."""


@admin.register(TicketFile)
class TicketFileAdmin(_ReadOnlyAdmin):
    list_display = [
        "purchase", "backend", "rendered_at", "size", "attempts", "last_error_short",
    ]  # fmt: skip
    list_filter = [
        "backend",
        ("rendered_at", admin.EmptyFieldListFilter),
        ("last_error", admin.EmptyFieldListFilter),
    ]
    search_fields = ["purchase__id", "purchase__user__username", "purchase__user__email", "key"]
    list_select_related = ["purchase__event"]
    readonly_fields = [
        "purchase", "backend", "bucket", "key", "size", "rendered_at", "claimed_until",
        "attempts", "last_error", "created_at", "updated_at",
    ]  # fmt: skip
    actions = [retry_delivery]

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:80]


@admin.register(Notification)
class NotificationAdmin(_ReadOnlyAdmin):
    list_display = [
        "purchase", "outcome", "recipient", "sent_at", "attempts", "last_error_short",
    ]  # fmt: skip
    list_filter = [
        "outcome",
        ("sent_at", admin.EmptyFieldListFilter),
        ("last_error", admin.EmptyFieldListFilter),
        "created_at",
    ]
    search_fields = ["purchase__id", "recipient", "purchase__user__username"]
    list_select_related = ["purchase__event"]
    readonly_fields = [
        "purchase", "outcome", "recipient", "sent_at", "claimed_until", "attempts",
        "last_error", "created_at", "updated_at",
    ]  # fmt: skip
    date_hierarchy = "created_at"
    actions = [retry_delivery]

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:80]


@admin.register(CheckIn)
class CheckInAdmin(_ReadOnlyAdmin):
    """The door's log. "Add" (and the button on the list) opens the check-in page."""

    change_list_template = "delivery/admin/checkin_change_list.html"
    list_display = ["purchase", "ticket_index", "checked_in_at", "checked_in_by"]
    list_filter = ["checked_in_at", "purchase__event"]
    search_fields = ["purchase__id", "purchase__user__username", "purchase__event__name"]
    list_select_related = ["purchase__event", "checked_in_by"]
    readonly_fields = ["purchase", "ticket_index", "checked_in_at", "checked_in_by"]
    date_hierarchy = "checked_in_at"

    def has_add_permission(self, request):
        return request.user.has_perm("payments.add_checkin")  # door staff, superusers

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("delivery-check-in"))
