import pytest

from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_create
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.cl", "x-pass-123456")
    client.force_login(admin)
    return client


@pytest.fixture
def purchase(make_user, make_event):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=100_000)
    return purchase_create(user=user, event_id=make_event().pk, quantity=1)


@pytest.mark.parametrize(
    "path",
    ["/admin/payments/purchase/", "/admin/challenge_worker/masterjob/", "/admin/rq/",
     "/admin/wallet/wallet/", "/admin/events/event/", "/admin/wallet/ledgerentry/"],
)  # fmt: skip
def test_staff_pages_open(staff, purchase, path):
    assert staff.get(path).status_code == 200


def test_a_purchase_shows_its_history(staff, purchase):
    page = staff.get(f"/admin/payments/purchase/{purchase.pk}/change/").content.decode()
    assert "created" in page and purchase.short_number in page


def test_the_retry_action_pushes_a_stuck_purchase_again(
    staff, purchase, redis_flushed, django_capture_on_commit_callbacks
):
    import django_rq

    with django_capture_on_commit_callbacks(execute=True):  # django-rq enqueues on commit
        response = staff.post(
            "/admin/payments/purchase/",
            {"action": "retry", "_selected_action": [str(purchase.pk)]},
            follow=True,
        )
    assert response.status_code == 200
    [job] = django_rq.get_queue("payments").get_jobs()
    assert job.func_name == "payments.jobs.purchase_request_payment"
    assert Purchase.objects.get().status == PurchaseStatus.RESERVED


def test_the_admin_is_for_staff_only(client, purchase):
    assert client.get("/admin/payments/purchase/").status_code == 302
    assert client.get("/admin/rq/").status_code == 302
