"""Every change to a wallet. Each movement locks the wallet row, writes one ledger entry and
updates the cached balance in the same transaction, so the balance always equals the sum of
the ledger and two concurrent debits can never both spend the same money."""

from django.conf import settings
from django.db import IntegrityError, transaction

from ticketseller.db import user_lock_timeout
from ticketseller.errors import IdempotencyConflict, InvalidInput
from ticketseller.statements import inserted, saved, select
from wallet.errors import DepositOutOfRange, InsufficientFunds
from wallet.models import LedgerEntry, Wallet


def wallet_create(*, user) -> Wallet:
    wallet, _ = Wallet.objects.get_or_create(user=user)
    return wallet


def wallet_lock(*, wallet_id: int) -> Wallet:
    """Lock a wallet row for the caller's transaction (the first lock of a purchase). A
    statement written once per process, as every money movement takes it."""
    return select(Wallet, where=("id",), lock=True).get(wallet_id)


def wallet_lock_for_user(*, user) -> Wallet:
    """Lock the user's wallet for the caller's transaction, found by its user in the same
    statement (a buy's first lock)."""
    return select(Wallet, where=("user",), lock=True).get(user.pk)


def _wallet_move(
    *,
    wallet_id: int,
    kind: LedgerEntry.Kind,
    amount: int,
    reference: str,
    idempotency_key: str | None,
    locked: Wallet | None = None,
) -> LedgerEntry:
    """Apply a signed `amount` to a wallet, once per `idempotency_key`. `locked`: the wallet
    as the caller locked it in its own transaction, so it is not locked and read again.

    No savepoints: a refusal raises before anything is written, and a failed insert makes
    the whole transaction fail, the caller's included (a buy's money and seats go together).
    """
    if locked is not None:
        if locked.pk != wallet_id or not transaction.get_connection().in_atomic_block:
            raise ValueError("`locked` must be this wallet, locked in the current transaction")
        return _wallet_apply(locked, kind, amount, reference, idempotency_key)
    with transaction.atomic(), user_lock_timeout():
        wallet = wallet_lock(wallet_id=wallet_id)
        return _wallet_apply(wallet, kind, amount, reference, idempotency_key)


def _wallet_apply(
    wallet: Wallet, kind: LedgerEntry.Kind, amount: int, reference: str, idempotency_key
) -> LedgerEntry:
    """The movement itself, on a wallet locked in the current transaction."""
    if idempotency_key is not None:
        same_key = select(LedgerEntry, where=("wallet", "idempotency_key"))
        previous = same_key.first(wallet.pk, idempotency_key)
        if previous is not None:
            if previous.kind != kind or previous.amount != amount:
                raise IdempotencyConflict(details={"idempotency_key": idempotency_key})
            return previous
    new_balance = wallet.balance + amount
    if new_balance < 0:
        raise InsufficientFunds(details={"balance": wallet.balance, "required": -amount})
    wallet.balance = new_balance
    saved(wallet, ["balance", "updated_at"])
    try:
        entry = LedgerEntry(
            wallet=wallet,
            kind=kind,
            amount=amount,
            balance_after=new_balance,
            reference=reference[:200],
            idempotency_key=idempotency_key,
        )
        inserted(entry)
        return entry
    except IntegrityError:  # pragma: no cover - the wallet lock serialises same-key calls
        raise IdempotencyConflict(details={"idempotency_key": idempotency_key}) from None


def _require_positive(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(details={"amount": ["must be a positive whole number of CLP"]})


def wallet_deposit(
    *, wallet_id: int, amount: int, reference: str = "", idempotency_key: str | None = None
) -> LedgerEntry:
    """Add money. The same `idempotency_key` again returns the first entry, moving nothing."""
    _require_positive(amount)
    low, high = settings.WALLET_DEPOSIT_MIN, settings.WALLET_DEPOSIT_MAX
    if not low <= amount <= high:
        raise DepositOutOfRange(details={"min": low, "max": high})
    return _wallet_move(
        wallet_id=wallet_id,
        kind=LedgerEntry.Kind.DEPOSIT,
        amount=amount,
        reference=reference,
        idempotency_key=idempotency_key,
    )


def wallet_debit(
    *,
    wallet_id: int,
    amount: int,
    reference: str,
    idempotency_key: str | None = None,
    locked: Wallet | None = None,
) -> LedgerEntry:
    """Take money for a purchase; raises `InsufficientFunds` and changes nothing if short.
    `locked`: the wallet, when the caller has locked it in its transaction
    (`wallet_lock`, `wallet_lock_for_user`)."""
    _require_positive(amount)
    return _wallet_move(
        wallet_id=wallet_id,
        kind=LedgerEntry.Kind.PURCHASE,
        amount=-amount,
        reference=reference,
        idempotency_key=idempotency_key,
        locked=locked,
    )


def wallet_refund(
    *, wallet_id: int, amount: int, reference: str, idempotency_key: str
) -> LedgerEntry:
    """Give money back. The key (e.g. ``refund:<purchase id>``) makes a refund happen once."""
    _require_positive(amount)
    return _wallet_move(
        wallet_id=wallet_id,
        kind=LedgerEntry.Kind.REFUND,
        amount=amount,
        reference=reference,
        idempotency_key=idempotency_key,
    )
