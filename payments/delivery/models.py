"""Delivery records: the stored PDF, one notification per outcome, check-ins at the door.

They belong to the `payments` app (`app_label`: its tables and migrations); Django imports
this module because `payments.delivery` is an installed app of its own (apps.py).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["CheckIn", "Notification", "NotificationOutcome", "TicketBackendName", "TicketFile"]


class TicketBackendName(models.TextChoices):
    LOCAL = "local", _("Local storage")
    LAMBDA = "lambda", _("AWS Lambda + S3")


class LeasedWork(models.Model):
    """Work a job does once (render a PDF, send an email): the lease of whoever is doing it
    right now, and how the attempts went."""

    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TicketFile(LeasedWork):
    """The purchase's PDF: where it is stored, and how rendering went.

    One per purchase. `rendered_at` is set once, with the first key; a later render job sees
    it and stops, so a retried job never creates a second object. `claimed_until` is the lease
    of the one job (or request) rendering right now.
    """

    purchase = models.OneToOneField(
        "payments.Purchase", on_delete=models.CASCADE, related_name="ticket_file"
    )
    backend = models.CharField(
        _("backend"), max_length=16, choices=TicketBackendName.choices, blank=True
    )
    key = models.CharField(_("key or path"), max_length=500, blank=True)
    bucket = models.CharField(_("bucket"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True, db_index=True)

    class Meta:
        app_label = "payments"
        verbose_name = _("ticket file")
        verbose_name_plural = _("ticket files")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rendered_at__isnull=True) | ~models.Q(key=""),
                name="ticketfile_rendered_has_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} · {self.backend or '-'} · {self.key or _('not rendered')}"

    @property
    def is_ready(self) -> bool:
        return self.rendered_at is not None


class NotificationOutcome(models.TextChoices):
    VALIDATED = "validated", _("Tickets ready")
    REFUNDED = "refunded", _("Money refunded")


class Notification(LeasedWork):
    """The email for one outcome of one purchase. The unique (purchase, outcome) pair makes
    sending exactly-once: a sender claims the row (compare-and-set on `claimed_until`), sends,
    then sets `sent_at`. See `services.notification_send` for the one crash window."""

    purchase = models.ForeignKey(
        "payments.Purchase", on_delete=models.CASCADE, related_name="notifications"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=NotificationOutcome.choices)
    recipient = models.EmailField(_("recipient"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)

    class Meta:
        app_label = "payments"
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["purchase", "outcome"], name="notification_one_per_purchase_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} · {self.outcome} · {'sent' if self.sent_at else 'pending'}"


class CheckIn(models.Model):
    """A ticket shown at the door. The first scan of a code creates the row; the unique pair
    (purchase, ticket_index) turns every later scan into "already checked in"."""

    purchase = models.ForeignKey(
        "payments.Purchase", on_delete=models.PROTECT, related_name="check_ins"
    )
    ticket_index = models.PositiveSmallIntegerField(_("ticket"))
    checked_in_at = models.DateTimeField(_("checked in"), default=timezone.now)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        app_label = "payments"
        ordering = ["-checked_in_at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["purchase", "ticket_index"], name="checkin_one_per_ticket"
            ),
            models.CheckConstraint(
                condition=models.Q(ticket_index__gte=1), name="checkin_ticket_index_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} #{self.ticket_index}"
