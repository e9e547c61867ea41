from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from payments.delivery.admin import NotificationInline, TicketFileInline, retry_delivery
from payments.errors import StaffRefundNotAllowed
from payments.models import Purchase, PurchaseEvent
from payments.services import purchase_drive
from payments.staff_services import purchase_staff_expire
from ticketseller.admin_mixins import admin_column


class PurchaseEventInline(admin.TabularInline):
    model = PurchaseEvent
    fields = [
        admin_column("created_at", _("when"), kind="seconds"),
        admin_column("from_status", _("from")),
        admin_column("to_status", _("to")),
        admin_column("reason", _("reason")),
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class NeedsAttentionFilter(admin.SimpleListFilter):
    """Purchases that cannot make progress by themselves (see `needs_attention`)."""

    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(needs_attention="")
        if self.value() == "no":
            return queryset.filter(needs_attention="")
        return queryset


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    """Read-only: no save button, no form that could rewrite a row a transition changed
    meanwhile. Staff act through the explicit actions, each a service call that keeps the
    audit trail; they need "payments.change_purchase" (the `operate` permission below)."""

    list_display = [
        "short_number", admin_column("user", _("buyer")), admin_column("event", _("event")),
        "quantity", admin_column("amount", _("total (CLP)"), kind="clp"), "status",
        admin_column("created_at", _("created"), kind="seconds"), "last_error_short",
    ]  # fmt: skip
    list_filter = ["status", NeedsAttentionFilter, "late_verdict", "created_at"]
    search_fields = ["id", "user__username", "user__email", "event__name", "deposit_token"]
    list_select_related = ["user", "event"]
    date_hierarchy = "created_at"
    inlines = [PurchaseEventInline, TicketFileInline, NotificationInline]
    actions = ["retry", "resend_ticket", "expire_and_refund"]
    # Spanish labels, CLP and seconds without touching the model (no migration).
    readonly_fields = [
        admin_column("id", _("purchase id")), admin_column("user", _("buyer")),
        admin_column("event", _("event")), "quantity",
        admin_column("unit_price", _("unit price (CLP)"), kind="clp"),
        admin_column("amount", _("total (CLP)"), kind="clp"), "status", "deposit_token",
        admin_column("master_job_id", _("workers master job")),
        admin_column("challenges_total", _("challenges")),
        admin_column("challenges_solved", _("challenges solved")),
        admin_column("max_secret", _("largest secret")),
        admin_column("deadline", _("deadline"), kind="seconds"), "last_error",
        admin_column("created_at", _("created"), kind="seconds"),
        admin_column("updated_at", _("updated"), kind="seconds"),
        admin_column("payment_requested_at", _("payment requested"), kind="seconds"),
        admin_column("challenges_queued_at", _("challenges queued"), kind="seconds"),
        admin_column("solved_at", _("solved"), kind="seconds"),
        admin_column("submitted_at", _("submitted"), kind="seconds"),
        admin_column("finished_at", _("finished"), kind="seconds"),
        admin_column("idempotency_key", _("idempotency key")),
        "needs_attention", "attempts",
        admin_column("next_attempt_at", _("next attempt"), kind="seconds"), "late_verdict",
        admin_column("late_verdict_at", _("late verdict at"), kind="seconds"),
    ]  # fmt: skip
    exclude = ["challenges", "solutions"]

    def get_fields(self, request, obj=None):
        return self.readonly_fields  # every field is shown read-only, in this order

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_operate_permission(self, request):
        return request.user.has_perm("payments.change_purchase")

    @admin.display(description=_("last error"))
    def last_error_short(self, purchase):
        return purchase.last_error[:60]

    @admin.action(description=_("Retry the selected stuck purchases"), permissions=["operate"])
    def retry(self, request, queryset):
        driven = 0
        for purchase in queryset:
            if not purchase.is_final:
                purchase_drive(purchase_id=purchase.pk)
                driven += 1
        self.message_user(
            request,
            ngettext("%d purchase pushed again.", "%d purchases pushed again.", driven) % driven,
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Resend the ticket (render the ticket, send the email)"),
        permissions=["operate"],
    )
    def resend_ticket(self, request, queryset):
        return retry_delivery(self, request, queryset)

    @admin.action(
        description=_("Expire and refund (only in flight and past the deadline)"),
        permissions=["operate"],
    )
    def expire_and_refund(self, request, queryset):
        refunded, refused = 0, []
        for purchase in queryset:
            try:
                __, changed = purchase_staff_expire(
                    purchase_id=purchase.pk, staff_username=request.user.username
                )
                refunded += changed
            except StaffRefundNotAllowed:
                refused.append(purchase.short_number)
        if refunded:
            self.message_user(
                request,
                ngettext(
                    "%d purchase expired and refunded.", "%d purchases expired and refunded.",
                    refunded,
                ) % refunded,
                messages.SUCCESS,
            )  # fmt: skip
        if refused:
            self.message_user(
                request,
                _(
                    "Not refunded: %(numbers)s. Only a reserved or solving purchase whose "
                    "deadline has passed can be expired and refunded; before its deadline, or "
                    "once submitted, the exchange may still validate it."
                )
                % {"numbers": ", ".join(refused)},
                messages.WARNING,
            )
