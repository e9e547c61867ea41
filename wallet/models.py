from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Wallet(models.Model):
    """A user's money in whole CLP. `balance` caches the sum of the ledger."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet"
    )
    balance = models.BigIntegerField(_("balance (CLP)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="wallet_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.balance} CLP)"


class LedgerEntry(models.Model):
    """One movement of money. Append-only: never updated, never deleted."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        PURCHASE = "purchase", _("Purchase")
        REFUND = "refund", _("Refund")

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount (CLP)"))  # signed: + in, - out
    balance_after = models.BigIntegerField(_("balance after (CLP)"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    # NULL, not "": many entries have no key, and the unique constraint must skip them.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(
                fields=["wallet", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="ledger_idempotency_key_unique_per_wallet",
            ),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="ledger_balance_after_not_negative"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="purchase", amount__lt=0)
                    | models.Q(kind__in=["deposit", "refund"], amount__gt=0)
                ),
                name="ledger_amount_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} → {self.balance_after}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only.")
