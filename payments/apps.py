from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Purchases")

    def ready(self):
        from events.line_hold import line_hold_wake_source
        from events.waiting_room import waiting_room_load_gauge
        from payments.selectors import purchases_in_flight
        from payments.verdict_hold import finals_watch

        waiting_room_load_gauge(purchases_in_flight)
        line_hold_wake_source(finals_watch)  # a final purchase makes room in the pipeline
