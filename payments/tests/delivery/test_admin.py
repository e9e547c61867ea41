"""The admin shows delivery records read-only and can queue a delivery again."""

import datetime as dt

import pytest
from django.utils import timezone

from payments.delivery.models import Notification, TicketFile
from payments.models import PurchaseStatus

pytestmark = pytest.mark.django_db
S = PurchaseStatus


@pytest.fixture
def admin_browser(client, make_user):
    client.force_login(make_user("jefa", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def failed_delivery(make_purchase):
    purchase = make_purchase(S.VALIDATED)
    TicketFile.objects.create(purchase=purchase, attempts=5, last_error="lambda: S3 down")
    Notification.objects.create(
        purchase=purchase, outcome="validated", attempts=2, last_error="SMTP 451"
    )
    return purchase


@pytest.mark.parametrize("model", ["ticketfile", "notification", "checkin"])
def test_the_lists_show_the_records_and_their_errors(admin_browser, failed_delivery, model):
    response = admin_browser.get(f"/admin/payments/{model}/")

    assert response.status_code == 200
    if model == "ticketfile":
        assert "lambda: S3 down" in response.content.decode()
    if model == "notification":
        assert "SMTP 451" in response.content.decode()


def test_records_cannot_be_edited_or_deleted(admin_browser, failed_delivery):
    ticket = TicketFile.objects.get()

    response = admin_browser.post(
        f"/admin/payments/ticketfile/{ticket.pk}/change/", {"last_error": ""}
    )
    admin_browser.post(f"/admin/payments/ticketfile/{ticket.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.last_error == "lambda: S3 down"


@pytest.mark.parametrize("model", ["ticketfile", "notification"])
def test_retry_delivery_queues_the_job_again(
    admin_browser, failed_delivery, redis_flushed, django_capture_on_commit_callbacks, model
):
    import django_rq

    row = (TicketFile if model == "ticketfile" else Notification).objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(
            f"/admin/payments/{model}/",
            {"action": "retry_delivery", "_selected_action": [row.pk]},
            follow=True,
        )

    assert response.status_code == 200
    [job] = django_rq.get_queue("delivery").jobs
    assert job.func_name == "payments.delivery.jobs.purchase_deliver"
    assert job.kwargs == {"purchase_id": str(failed_delivery.pk)}
    assert job.retries_left == 5


def test_the_check_in_page_is_reachable_from_the_admin(admin_browser):
    listing = admin_browser.get("/admin/payments/checkin/")
    add = admin_browser.get("/admin/payments/checkin/add/")

    assert 'href="/staff/check-in/"' in listing.content.decode()
    assert add.status_code == 302 and add["Location"] == "/staff/check-in/"
    index = admin_browser.get("/admin/").content.decode()
    assert "/admin/payments/checkin/add/" in index


def test_an_old_claim_does_not_block_a_new_render(make_purchase):
    from payments.delivery.services import ticket_ensure

    purchase = make_purchase(S.VALIDATED, quantity=1)
    TicketFile.objects.create(
        purchase=purchase, claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )

    ticket = ticket_ensure(purchase_id=purchase.pk)  # the crashed renderer's lease ran out

    assert ticket.is_ready and ticket.attempts == 1


def test_the_inlines_show_a_purchases_delivery(rf, failed_delivery, make_user):
    from django.contrib import admin

    from payments.delivery.admin import NotificationInline, TicketFileInline
    from payments.models import Purchase

    request = rf.get("/")
    request.user = make_user(is_staff=True, is_superuser=True)
    for inline_class, model in ((TicketFileInline, TicketFile), (NotificationInline, Notification)):
        inline = inline_class(Purchase, admin.site)
        assert list(inline.get_queryset(request).filter(purchase=failed_delivery)) == list(
            model.objects.filter(purchase=failed_delivery)
        )
        assert not inline.has_add_permission(request, failed_delivery)
        assert not inline.has_change_permission(request, failed_delivery)
