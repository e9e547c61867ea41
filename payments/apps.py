from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Purchases")

    def ready(self):
        from events.waiting_room import waiting_room_load_gauge
        from payments.selectors import purchases_in_flight

        waiting_room_load_gauge(purchases_in_flight)
