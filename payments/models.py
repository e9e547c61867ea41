import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import Event


class PurchaseStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    SOLVING = "solving", _("Solving challenges")
    SUBMITTED = "submitted", _("Submitted")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")


S = PurchaseStatus
FINAL_STATES = frozenset({S.VALIDATED, S.REJECTED, S.EXPIRED})
# The only moves a purchase can make. A webhook may reject a purchase that is still being
# solved (the exchange's own deadline passed), so REJECTED is reachable before SUBMITTED.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RESERVED: frozenset({S.SOLVING, S.REJECTED, S.EXPIRED}),
    S.SOLVING: frozenset({S.SUBMITTED, S.REJECTED, S.EXPIRED}),
    # Once submitted only the exchange's verdict ends a purchase: the exchange may have taken
    # the money, so our clock never expires it (the reconciler keeps asking instead).
    S.SUBMITTED: frozenset({S.VALIDATED, S.REJECTED}),
    S.VALIDATED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
}


class Purchase(models.Model):
    """Tickets bought with wallet money. Its id is the exchange's `request_id`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases"
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="purchases")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.PositiveBigIntegerField(_("unit price (CLP)"))
    amount = models.PositiveBigIntegerField(_("total (CLP)"))
    status = models.CharField(
        _("status"), max_length=16, choices=PurchaseStatus.choices, default=S.RESERVED
    )
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    # The language the buyer used on the site: tickets and emails speak it.
    language = models.CharField(_("language"), max_length=8, default="es")
    deposit_token = models.UUIDField(_("deposit token"), null=True, blank=True, unique=True)
    # The exchange's challenges, kept so a retry can hand them to the master again.
    challenges = models.JSONField(default=list, blank=True)
    max_secret = models.PositiveBigIntegerField(null=True, blank=True)
    # The solved secrets as submitted: resubmitting them is how the protocol tells a verdict.
    solutions = models.JSONField(default=list, blank=True)
    master_job_id = models.UUIDField(null=True, blank=True)
    challenges_total = models.PositiveSmallIntegerField(default=0)
    challenges_solved = models.PositiveSmallIntegerField(default=0)
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    # A purchase that cannot make progress by itself says why here, for staff (admin filter).
    needs_attention = models.TextField(_("needs attention"), blank=True)
    # Failed attempts in a row, and when the reconciler may try again (exponential back-off).
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # The exchange's verdict when it arrived after the purchase was already final here
    # (e.g. "valid" after we expired it): never acted on, never dropped.
    late_verdict = models.CharField(
        _("late verdict"),
        max_length=8,
        blank=True,
        choices=[("valid", _("valid")), ("invalid", _("invalid"))],
    )
    late_verdict_at = models.DateTimeField(_("late verdict at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # One timestamp per hop, for the latency breakdown (bench/purchase.py, admin).
    payment_requested_at = models.DateTimeField(null=True, blank=True)
    challenges_queued_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="purchase_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(amount=models.F("unit_price") * models.F("quantity")),
                name="purchase_amount_is_price_times_quantity",
            ),
            models.CheckConstraint(
                condition=models.Q(challenges_solved__lte=models.F("challenges_total")),
                name="purchase_solved_within_total",
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="purchase_idempotency_key_unique_per_user",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="purchase_status_deadline")]

    def __str__(self) -> str:
        return f"{self.short_number} · {self.event.name} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("payments:detail", args=[self.pk])

    @property
    def short_number(self) -> str:
        """What people read and say: the first 8 hex digits of the id."""
        return f"CPE-{self.pk.hex[:8].upper()}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATES


class PurchaseEvent(models.Model):
    """The audit trail: one row per state change, written with the change."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, choices=PurchaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=PurchaseStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("purchase event")
        verbose_name_plural = _("purchase history")

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"
