from functools import cache

from django.db import connection
from django.db.models import QuerySet, Sum

from ticketseller.statements import select
from wallet.models import LedgerEntry, Wallet


def wallet_get_for_user(*, user) -> Wallet:
    """The user's wallet (every user gets one when created, see `wallet.signals`). Read by
    every purchase and refund: a statement written once per process (`ticketseller.statements`)."""
    return select(Wallet, where=("user",)).get(user.pk)


def wallet_balance_for_user(*, user) -> int:
    """Read on every page (the menu), so in a statement written once per process: building
    it with the ORM cost several times what the database spends answering it."""
    with connection.cursor() as cursor:
        cursor.execute(_balance_sql(), [user.pk])
        row = cursor.fetchone()
    return row[0] if row else 0


@cache
def _balance_sql() -> str:
    q, meta = connection.ops.quote_name, Wallet._meta
    return (
        f"SELECT {q(meta.get_field('balance').column)} FROM {q(meta.db_table)}"
        f" WHERE {q(meta.get_field('user').column)} = %s"
    )


def wallet_entries(*, wallet: Wallet) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(wallet=wallet).order_by("-created_at", "-id")


def wallet_ledger_sum(*, wallet_id: int) -> int:
    """The sum of the ledger, which the cached balance must always equal."""
    total = LedgerEntry.objects.filter(wallet_id=wallet_id).aggregate(s=Sum("amount"))["s"]
    return total or 0
