from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ticketseller.admin_mixins import ReadOnlyAdminMixin as ReadOnlyMixin
from ticketseller.admin_mixins import admin_column
from wallet.models import LedgerEntry, Wallet


class LedgerEntryInline(ReadOnlyMixin, admin.TabularInline):
    model = LedgerEntry
    fields = [
        admin_column("created_at", _("created"), kind="seconds"),
        "kind",
        admin_column("amount", _("amount (CLP)"), kind="clp"),
        admin_column("balance_after", _("balance after (CLP)"), kind="clp"),
        "reference",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    show_change_link = True


@admin.register(Wallet)
class WalletAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        admin_column("user", _("owner")),
        admin_column("balance", _("balance (CLP)"), kind="clp"),
        admin_column("updated_at", _("updated"), kind="seconds"),
    ]
    search_fields = ["user__username", "user__email"]
    list_filter = ["updated_at"]
    list_select_related = ["user"]
    readonly_fields = [
        admin_column("user", _("owner")),
        admin_column("balance", _("balance (CLP)"), kind="clp"),
        admin_column("created_at", _("created"), kind="seconds"),
        admin_column("updated_at", _("updated"), kind="seconds"),
    ]
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        admin_column("created_at", _("created"), kind="seconds"),
        admin_column("wallet", _("wallet")),
        "kind",
        admin_column("amount", _("amount (CLP)"), kind="clp"),
        admin_column("balance_after", _("balance after (CLP)"), kind="clp"),
        "reference",
    ]
    list_filter = ["kind", "created_at"]
    search_fields = ["wallet__user__username", "reference", "idempotency_key"]
    list_select_related = ["wallet__user"]
    date_hierarchy = "created_at"
