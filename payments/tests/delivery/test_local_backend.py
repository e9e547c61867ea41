"""The local backend end to end: a real RQ worker renders and stores the PDF, the email goes
out, and only the owner can download the ticket (page and API)."""

import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader
from rest_framework.test import APIClient

from payments.delivery import services
from payments.delivery.codes import ticket_code_parse, ticket_codes_for
from payments.delivery.models import Notification, TicketFile
from payments.delivery.selectors import ticket_url_for
from payments.models import PurchaseStatus

S = PurchaseStatus


def _pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def _body(response) -> bytes:
    # Consuming the stream closes the response (the test client's wrapper does it).
    return b"".join(response.streaming_content)


def _page(purchase) -> str:
    return f"/purchases/{purchase.pk}/ticket/"


def _api(purchase) -> str:
    return f"/api/v1/purchases/{purchase.pk}/ticket/"


@pytest.mark.django_db(transaction=True)
def test_a_worker_renders_stores_and_announces_the_ticket_once(
    make_purchase, queue, run_worker, mailoutbox, client, buyer
):
    purchase = make_purchase(S.VALIDATED, quantity=2)

    services.purchase_outcome_changed(purchase)
    services.purchase_outcome_changed(purchase)  # a second trigger changes nothing
    assert queue.count == 1  # one job per purchase: its id is fixed
    run_worker()

    ticket = TicketFile.objects.get(purchase=purchase)
    assert ticket.is_ready and ticket.backend == "local" and ticket.attempts == 1
    assert ticket.key.startswith("tickets/") and ticket.key.endswith(".pdf")
    with default_storage.open(ticket.key, "rb") as stored:
        pdf = stored.read()
    assert ticket.size == len(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2  # one page per ticket
    text = _pdf_text(pdf)
    for expected in (
        "Productora Andes",
        "María José Peña",
        "mariajose@example.cl",
        "Los Bunkers en el Caupolicán",
        "Cantidad 2",
        "$50.000",
        purchase.short_number,
    ):
        assert expected in text
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["mariajose@example.cl"]
    assert Notification.objects.get(purchase=purchase).sent_at is not None

    # The owner downloads exactly the stored file, from the page and from the API.
    client.force_login(buyer)
    page = client.get(_page(purchase))
    assert page.status_code == 200
    assert page["Content-Type"] == "application/pdf"
    assert page["Content-Disposition"] == f'inline; filename="entrada-{purchase.short_number}.pdf"'
    assert _body(page) == pdf
    api = client.get(_api(purchase), HTTP_ACCEPT="application/pdf")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"
    assert _body(api) == pdf
    # Nothing was rendered twice.
    assert TicketFile.objects.get(purchase=purchase).key == ticket.key
    assert len(default_storage.listdir(ticket.key.rsplit("/", 1)[0])[1]) == 1


@pytest.mark.django_db(transaction=True)
def test_each_ticket_page_carries_a_genuine_code_of_its_own(make_purchase, run_worker):
    purchase = make_purchase(S.VALIDATED, quantity=3)
    services.delivery_enqueue(purchase_id=purchase.pk)
    run_worker()

    with default_storage.open(TicketFile.objects.get(purchase=purchase).key, "rb") as stored:
        pages = ["".join(p.extract_text().split()) for p in PdfReader(stored).pages]
    codes = ticket_codes_for(purchase_id=purchase.pk, quantity=3)
    for number, (page, code) in enumerate(zip(pages, codes, strict=True), start=1):
        assert f"Entrada{number}de3" in page
        assert code in page
        assert ticket_code_parse(code) == (purchase.pk, number)


@pytest.mark.django_db(transaction=True)
def test_a_failed_render_is_recorded_and_the_job_is_scheduled_again(
    make_purchase, queue, run_worker, settings, mailoutbox
):
    settings.TICKET_BACKEND = "lambda"
    settings.PDF_LAMBDA_NAME = ""  # misconfigured: nothing to invoke
    purchase = make_purchase(S.VALIDATED)

    services.delivery_enqueue(purchase_id=purchase.pk)
    job = queue.jobs[0]
    run_worker()

    ticket = TicketFile.objects.get(purchase=purchase)
    assert not ticket.is_ready
    assert ticket.attempts == 1
    assert "PDF_LAMBDA_NAME is not set" in ticket.last_error
    assert ticket.claimed_until is None  # the next try may claim it at once
    assert job.get_status(refresh=True) == "scheduled"  # RQ retries it with backoff
    job.refresh()
    assert job.retries_left == 4
    assert mailoutbox == []  # no "your tickets" email without a ticket


@pytest.mark.django_db
def test_the_download_renders_on_demand_when_the_job_has_not_run_yet(make_purchase, client, buyer):
    purchase = make_purchase(S.VALIDATED, quantity=1)
    client.force_login(buyer)

    first = client.get(_page(purchase))
    second = client.get(_page(purchase))

    assert first.status_code == second.status_code == 200
    assert _body(first) == _body(second)
    assert TicketFile.objects.get(purchase=purchase).attempts == 1  # rendered once


@pytest.mark.django_db
def test_a_ticket_being_rendered_elsewhere_answers_409_with_retry_after(
    make_purchase, client, buyer
):
    from django.utils import timezone

    purchase = make_purchase(S.VALIDATED)
    TicketFile.objects.create(
        purchase=purchase, claimed_until=timezone.now() + services.RENDER_LEASE
    )
    client.force_login(buyer)

    api = client.get(_api(purchase))
    page = client.get(_page(purchase))

    assert api.status_code == 409
    assert api.json()["error"]["code"] == "ticket_not_ready"
    assert api["Retry-After"] == "5"
    assert page.status_code == 409 and page["Retry-After"] == "5"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.RESERVED, S.SUBMITTED, S.REJECTED, S.EXPIRED])
def test_before_validation_the_owner_gets_409(make_purchase, client, buyer, status):
    purchase = make_purchase(status)
    client.force_login(buyer)

    page = client.get(_page(purchase))
    api = client.get(_api(purchase))

    assert page.status_code == 409
    assert b'data-code="not_validated"' in page.content
    assert api.status_code == 409
    assert api.json()["error"]["code"] == "not_validated"
    assert not TicketFile.objects.filter(purchase=purchase).exists()
    assert ticket_url_for(purchase) is None


@pytest.mark.django_db
def test_another_user_gets_404_and_nothing_is_rendered(make_purchase, make_user, client):
    purchase = make_purchase(S.VALIDATED)
    other = make_user()
    client.force_login(other)
    api = APIClient()
    api.force_authenticate(other)

    assert client.get(_page(purchase)).status_code == 404
    response = api.get(_api(purchase))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not TicketFile.objects.filter(purchase=purchase).exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in_and_api_clients_get_401(make_purchase, client):
    purchase = make_purchase(S.VALIDATED)

    page = client.get(_page(purchase))
    api = APIClient().get(_api(purchase))

    assert page.status_code == 302
    assert page["Location"] == f"/accounts/login/?next={_page(purchase)}"
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_a_token_client_downloads_through_the_ticket_url(make_purchase, buyer):
    from rest_framework.authtoken.models import Token

    purchase = make_purchase(S.VALIDATED, quantity=1)
    token = Token.objects.create(user=buyer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    url = ticket_url_for(purchase)
    assert url == _api(purchase)
    response = api.get(url)

    assert response.status_code == 200
    assert _body(response).startswith(b"%PDF-")


@pytest.mark.django_db
def test_the_purchases_pages_link_the_ticket_once_validated(make_purchase, client, buyer):
    validated = make_purchase(S.VALIDATED)
    pending = make_purchase(S.SUBMITTED)
    client.force_login(buyer)

    listing = client.get("/purchases/").content.decode()
    detail = client.get(f"/purchases/{validated.pk}/").content.decode()
    pending_detail = client.get(f"/purchases/{pending.pk}/").content.decode()

    assert f'href="{_page(validated)}"' in listing
    assert f'href="{_page(pending)}"' not in listing
    assert f'href="{_page(validated)}"' in detail
    assert 'data-testid="ticket-link"' not in pending_detail


@pytest.mark.django_db
def test_a_first_delivery_reads_the_purchase_once_and_creates_its_rows_already_claimed(
    make_purchase, mailoutbox
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    purchase = make_purchase(S.VALIDATED, quantity=1)

    with CaptureQueriesContext(connection) as captured:
        assert services.purchase_deliver(purchase_id=purchase.pk) == "validated"

    statements = [
        q["sql"].split()[0] + " " + q["sql"].split('"')[1]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert statements == [
        "SELECT payments_purchase",  # with its event and buyer, for the ticket and the email
        "INSERT payments_ticketfile",  # created already leased: no read, no claim UPDATE
        "UPDATE payments_ticketfile",  # rendered
        "INSERT payments_notification",
        "SELECT accounts_accountprofile",  # the buyer's email language
        "UPDATE payments_notification",  # sent
    ]
    ticket = TicketFile.objects.get(purchase=purchase)
    note = Notification.objects.get(purchase=purchase)
    assert ticket.is_ready and ticket.attempts == 1 and ticket.claimed_until is None
    assert note.sent_at is not None and note.attempts == 1 and note.claimed_until is None
    assert len(mailoutbox) == 1 and "/ticket/" in mailoutbox[0].body
