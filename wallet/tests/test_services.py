import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from ticketseller.errors import IdempotencyConflict, InvalidInput
from wallet.errors import DepositOutOfRange, InsufficientFunds
from wallet.models import LedgerEntry, Wallet
from wallet.selectors import wallet_ledger_sum
from wallet.services import wallet_debit, wallet_deposit, wallet_refund

pytestmark = pytest.mark.django_db


def _balance(wallet: Wallet) -> int:
    wallet.refresh_from_db()
    return wallet.balance


def test_a_new_user_has_an_empty_wallet(user):
    assert user.wallet.balance == 0
    assert not user.wallet.entries.exists()


def test_deposit_adds_money_and_writes_one_ledger_entry(user):
    entry = wallet_deposit(wallet_id=user.wallet.pk, amount=25_000, reference="test")

    assert (entry.kind, entry.amount, entry.balance_after) == ("deposit", 25_000, 25_000)
    assert _balance(user.wallet) == 25_000 == wallet_ledger_sum(wallet_id=user.wallet.pk)


@pytest.mark.parametrize("amount", [0, -1, 5_000_001])
def test_deposit_outside_the_limits_is_refused_and_changes_nothing(user, amount):
    with pytest.raises((DepositOutOfRange, InvalidInput)):
        wallet_deposit(wallet_id=user.wallet.pk, amount=amount)
    assert _balance(user.wallet) == 0
    assert not LedgerEntry.objects.exists()


@override_settings(WALLET_DEPOSIT_MIN=1000, WALLET_DEPOSIT_MAX=2000)
def test_deposit_limits_come_from_settings(user):
    with pytest.raises(DepositOutOfRange) as exc:
        wallet_deposit(wallet_id=user.wallet.pk, amount=2001)
    assert exc.value.details == {"min": 1000, "max": 2000}
    wallet_deposit(wallet_id=user.wallet.pk, amount=2000)
    assert _balance(user.wallet) == 2000


@pytest.mark.parametrize("amount", [10.5, "100", True, None])
def test_deposit_refuses_anything_but_an_integer(user, amount):
    with pytest.raises(InvalidInput):
        wallet_deposit(wallet_id=user.wallet.pk, amount=amount)


def test_deposit_applied_twice_with_the_same_key_moves_money_once(user):
    first = wallet_deposit(wallet_id=user.wallet.pk, amount=1000, idempotency_key="k1")
    second = wallet_deposit(wallet_id=user.wallet.pk, amount=1000, idempotency_key="k1")

    assert first.pk == second.pk
    assert _balance(user.wallet) == 1000
    assert user.wallet.entries.count() == 1


def test_deposit_with_a_reused_key_and_another_amount_is_a_conflict(user):
    wallet_deposit(wallet_id=user.wallet.pk, amount=1000, idempotency_key="k1")
    with pytest.raises(IdempotencyConflict):
        wallet_deposit(wallet_id=user.wallet.pk, amount=2000, idempotency_key="k1")
    assert _balance(user.wallet) == 1000


def test_the_same_key_in_two_wallets_is_two_deposits(make_user):
    a, b = make_user(), make_user()
    wallet_deposit(wallet_id=a.wallet.pk, amount=1000, idempotency_key="same")
    wallet_deposit(wallet_id=b.wallet.pk, amount=1000, idempotency_key="same")
    assert _balance(a.wallet) == _balance(b.wallet) == 1000


def test_debit_takes_money_with_a_negative_entry(user):
    wallet_deposit(wallet_id=user.wallet.pk, amount=10_000)
    entry = wallet_debit(wallet_id=user.wallet.pk, amount=4_000, reference="purchase 1")

    assert (entry.kind, entry.amount, entry.balance_after) == ("purchase", -4_000, 6_000)
    assert _balance(user.wallet) == 6_000 == wallet_ledger_sum(wallet_id=user.wallet.pk)


def test_debit_can_spend_the_last_peso(user):
    wallet_deposit(wallet_id=user.wallet.pk, amount=5_000)
    wallet_debit(wallet_id=user.wallet.pk, amount=5_000, reference="all of it")
    assert _balance(user.wallet) == 0


def test_debit_fails_when_balance_is_short_and_changes_nothing(user):
    wallet_deposit(wallet_id=user.wallet.pk, amount=3_000)
    with pytest.raises(InsufficientFunds) as exc:
        wallet_debit(wallet_id=user.wallet.pk, amount=3_001, reference="too much")

    assert exc.value.code == "insufficient_funds" and exc.value.status == 402
    assert _balance(user.wallet) == 3_000
    assert user.wallet.entries.count() == 1


def test_a_debit_told_another_wallet_is_the_locked_one_is_refused_and_moves_nothing(make_user):
    """`locked` spares a buy a second lock of the wallet it holds; it must be that wallet."""
    spender, other = make_user(), make_user()
    wallet_deposit(wallet_id=spender.wallet.pk, amount=5_000)
    with transaction.atomic(), pytest.raises(ValueError, match="locked"):
        wallet_debit(wallet_id=spender.wallet.pk, amount=1_000, reference="x", locked=other.wallet)
    spender.wallet.refresh_from_db()
    assert spender.wallet.balance == wallet_ledger_sum(wallet_id=spender.wallet.pk) == 5_000


def test_refund_applied_twice_refunds_once(user):
    wallet_deposit(wallet_id=user.wallet.pk, amount=10_000)
    wallet_debit(wallet_id=user.wallet.pk, amount=10_000, reference="p1")
    wallet_refund(
        wallet_id=user.wallet.pk, amount=10_000, reference="p1", idempotency_key="refund:1"
    )
    wallet_refund(
        wallet_id=user.wallet.pk, amount=10_000, reference="p1", idempotency_key="refund:1"
    )

    assert _balance(user.wallet) == 10_000
    assert user.wallet.entries.filter(kind="refund").count() == 1


def test_ledger_entries_are_append_only(user):
    entry = wallet_deposit(wallet_id=user.wallet.pk, amount=1_000)
    entry.amount = 1_000_000
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_the_database_refuses_a_negative_balance(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=user.wallet.pk).update(balance=-1)
