from django.contrib import admin

from events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "location", "price", "available", "capacity", "on_sale_at"]
    list_filter = ["date", "location"]
    search_fields = ["name", "location", "event_id"]
    date_hierarchy = "date"
    # Seats move only through purchases; events arrive from the exchange's catalogue.
    readonly_fields = ["event_id", "capacity", "available", "created_at", "updated_at"]
    ordering = ["date"]

    def has_add_permission(self, request):
        return False
