from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from events.catalogue_cache import catalogue_changed
from events.models import Event
from ticketseller.admin_mixins import admin_column


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "name", "date", "location", admin_column("price", _("price (CLP)"), kind="clp"),
        "available", "capacity", "on_sale_at",
    ]  # fmt: skip
    list_filter = ["date", "category", "location"]
    search_fields = ["name", "location", "event_id"]
    date_hierarchy = "date"
    # Seats move only through purchases; events arrive from the exchange's catalogue.
    readonly_fields = ["event_id", "capacity", "available", "created_at", "updated_at"]
    ordering = ["date"]

    def has_add_permission(self, request):
        return False

    # The catalogue's cached answers must show an edit on the next request.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        catalogue_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        catalogue_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        catalogue_changed()
