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
    return purchase_create(user=user, event_pk=make_event().pk, quantity=1)


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


# --- Read-only purchases, explicit actions, superuser-only queues ---------------------------


def _act(client, action: str, purchase, **extra):
    return client.post(
        "/admin/payments/purchase/",
        {"action": action, "_selected_action": [str(purchase.pk)]},
        follow=True,
        **extra,
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_a_purchase_has_no_save_button_and_a_posted_form_changes_nothing(staff, purchase):
    url = f"/admin/payments/purchase/{purchase.pk}/change/"

    page = staff.get(url).content.decode()
    response = staff.post(url, {"status": PurchaseStatus.VALIDATED, "quantity": 9})

    assert 'name="_save"' not in page
    assert response.status_code == 403
    purchase.refresh_from_db()
    assert (purchase.status, purchase.quantity) == (PurchaseStatus.RESERVED, 1)


def test_staff_without_the_change_permission_see_no_actions(client, make_user, purchase):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_purchase"))
    client.force_login(viewer)

    page = client.get("/admin/payments/purchase/").content.decode()
    _act(client, "expire_and_refund", purchase)

    assert page.count("expire_and_refund") == 0 and "retry" not in page
    assert Purchase.objects.get().status == PurchaseStatus.RESERVED


def test_expire_and_refund_is_refused_before_the_deadline_with_the_rule(staff, purchase):
    response = _act(staff, "expire_and_refund", purchase)

    assert Purchase.objects.get().status == PurchaseStatus.RESERVED
    text = _messages(response)
    assert purchase.short_number in text and "cuyo plazo ya venció" in text


def test_expire_and_refund_past_the_deadline_refunds_and_names_the_staff_member(
    staff, purchase, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    Purchase.objects.filter(pk=purchase.pk).update(deadline=timezone.now())
    with django_capture_on_commit_callbacks(execute=False):
        response = _act(staff, "expire_and_refund", purchase)
        _act(staff, "expire_and_refund", purchase)  # twice: refunded once

    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.EXPIRED
    assert purchase.user.wallet.balance == 100_000
    assert purchase.event.available == purchase.event.capacity
    assert list(purchase.history.values_list("reason", flat=True).filter(to_status="expired")) == [
        "staff: boss"
    ]
    assert "1 compra expirada y reembolsada" in _messages(response)


def test_expire_and_refund_leaves_a_final_purchase_alone(staff, purchase):
    from django.utils import timezone

    from payments.services import purchase_transition

    for to in ("solving", "submitted", "validated"):
        purchase_transition(purchase_id=purchase.pk, to=to, reason="test")
    Purchase.objects.filter(pk=purchase.pk).update(deadline=timezone.now())

    response = _act(staff, "expire_and_refund", purchase)

    assert Purchase.objects.get().status == PurchaseStatus.VALIDATED
    assert "No reembolsadas" in _messages(response)


def test_expire_and_refund_leaves_a_submitted_purchase_to_the_exchange(staff, purchase):
    from django.utils import timezone

    from payments.services import purchase_transition

    for to in ("solving", "submitted"):
        purchase_transition(purchase_id=purchase.pk, to=to, reason="test")
    Purchase.objects.filter(pk=purchase.pk).update(deadline=timezone.now())

    response = _act(staff, "expire_and_refund", purchase)

    assert Purchase.objects.get().status == PurchaseStatus.SUBMITTED
    assert purchase.user.wallet.balance < 100_000
    assert "una vez enviada" in _messages(response)


def test_resend_ticket_queues_the_delivery_again(
    staff, purchase, redis_flushed, django_capture_on_commit_callbacks
):
    import django_rq

    with django_capture_on_commit_callbacks(execute=True):
        _act(staff, "resend_ticket", purchase)

    [job] = django_rq.get_queue("delivery").jobs
    assert job.kwargs == {"purchase_id": str(purchase.pk)}
    # recorded in the audit trail: the purchase's admin history names who resent it
    from django.contrib.admin.models import LogEntry

    [entry] = LogEntry.objects.filter(object_id=str(purchase.pk))
    assert entry.user.username == "boss"
    assert entry.change_message in (
        "Entrega encolada de nuevo (entrada y correo).",
        "Delivery queued again (ticket and email).",
    )


def test_the_rq_dashboard_is_for_superusers_only(
    client, make_user, redis_flushed, django_capture_on_commit_callbacks
):
    import django_rq

    with django_capture_on_commit_callbacks(execute=True):  # django-rq enqueues on commit
        django_rq.get_queue("default").enqueue("payments.jobs.purchase_drive", purchase_id="x")
    anonymous = client.get("/admin/rq/")
    client.force_login(make_user("clerk", is_staff=True))
    paths = ["/admin/rq/", "/admin/rq/queues/0/", "/admin/rq/stats.json/"]
    answers = [client.get(path).status_code for path in paths]
    emptied = client.post("/admin/rq/queues/0/empty/", {"post": "yes"})
    # django-rq can also mount its dashboard inside the admin, guarded by is_staff alone.
    side_door = client.get("/admin/django_rq/dashboard/").status_code
    side_empty = client.post("/admin/django_rq/dashboard/queues/0/empty/", {"post": "yes"})

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    assert answers == [403, 403, 403]
    assert emptied.status_code == 403
    assert side_door in (403, 404) and side_empty.status_code in (403, 404)
    assert django_rq.get_queue("default").count == 1
