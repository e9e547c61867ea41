from django.db.models import QuerySet, Sum

from wallet.models import LedgerEntry, Wallet


def wallet_get_for_user(*, user) -> Wallet:
    """The user's wallet (every user gets one when created, see `wallet.signals`)."""
    return Wallet.objects.get(user=user)


def wallet_balance_for_user(*, user) -> int:
    return Wallet.objects.filter(user=user).values_list("balance", flat=True).first() or 0


def wallet_entries(*, wallet: Wallet) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(wallet=wallet).order_by("-created_at", "-id")


def wallet_ledger_sum(*, wallet_id: int) -> int:
    """The sum of the ledger, which the cached balance must always equal."""
    total = LedgerEntry.objects.filter(wallet_id=wallet_id).aggregate(s=Sum("amount"))["s"]
    return total or 0
