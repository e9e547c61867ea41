from django.contrib import admin

from ticketseller.admin_mixins import ReadOnlyAdminMixin as ReadOnlyMixin
from wallet.models import LedgerEntry, Wallet


class LedgerEntryInline(ReadOnlyMixin, admin.TabularInline):
    model = LedgerEntry
    fields = ["created_at", "kind", "amount", "balance_after", "reference"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    show_change_link = True


@admin.register(Wallet)
class WalletAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "balance", "updated_at"]
    search_fields = ["user__username", "user__email"]
    list_filter = ["updated_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "balance", "created_at", "updated_at"]
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "wallet", "kind", "amount", "balance_after", "reference"]
    list_filter = ["kind", "created_at"]
    search_fields = ["wallet__user__username", "reference", "idempotency_key"]
    list_select_related = ["wallet__user"]
    date_hierarchy = "created_at"
