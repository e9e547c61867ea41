from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    """Ticket delivery (the PDF, the emails, check-in at the door), inside payments.

    Installed only so Django imports ``payments.delivery.models``: those models keep
    ``app_label = "payments"`` (their tables and migrations are the payments app's), and
    ``payments/models.py`` need not import them to have them registered.
    """

    name = "payments.delivery"
    label = "delivery"
    verbose_name = _("Ticket delivery")
