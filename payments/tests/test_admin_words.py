"""The admin in Spanish for staff: labels in Spanish, money as CLP, times to the second,
read-only purchases without a save button, and the refund and resend actions offered."""

import pytest

from payments.services import purchase_create
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    boss = django_user_model.objects.create_superuser("jefa", "jefa@example.cl", "x-pass-123456")
    client.force_login(boss)
    return client


@pytest.fixture
def purchase(make_user, make_event):
    user = make_user("ignacio")
    wallet_deposit(wallet_id=user.wallet.pk, amount=100_000)
    return purchase_create(user=user, event_pk=make_event(price=25_000).pk, quantity=2)


def test_a_purchase_reads_in_spanish_with_clp_and_seconds_and_no_save_button(staff, purchase):
    page = staff.get(f"/admin/payments/purchase/{purchase.pk}/change/").content.decode()

    assert "$50.000" in page and "$25.000" in page
    assert "Comprador" in page and "Total (CLP)" in page
    assert "Created" not in page and "Master job id" not in page
    assert 'name="_save"' not in page
    created = purchase.created_at.astimezone().strftime("%H:%M")
    assert created in page  # …and the seconds after it: checked in the list below


def test_the_purchase_list_shows_totals_as_clp_and_times_to_the_second(staff, purchase):
    import re

    page = staff.get("/admin/payments/purchase/").content.decode()

    assert "$50.000" in page
    assert re.search(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}", page)
    for action in ("resend_ticket", "expire_and_refund"):
        assert f'value="{action}"' in page


def test_wallets_and_movements_show_clp(staff, purchase):
    wallets = staff.get("/admin/wallet/wallet/").content.decode()
    movements = staff.get("/admin/wallet/ledgerentry/").content.decode()

    assert "$50.000" in wallets  # 100.000 deposited, 50.000 spent
    assert "-$50.000" in movements and "$100.000" in movements
