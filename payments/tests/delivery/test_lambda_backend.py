"""The `lambda` backend: boto3 stubbed at the Lambda boundary (botocore's Stubber), S3 by
moto's in-process `mock_aws`; the download sends the owner to a fresh presigned URL."""

import io
import json
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from moto import mock_aws

from lambda_pdf.schema import parse_ticket
from lambda_pdf.ticket import render_ticket_pdf
from payments.delivery import backends, services
from payments.delivery.codes import ticket_code_parse
from payments.delivery.errors import TicketRenderFailed
from payments.delivery.models import Notification, TicketFile
from payments.models import PurchaseStatus

pytestmark = pytest.mark.django_db
S = PurchaseStatus
FUNCTION = "cpe-ticket-pdf"
BUCKET = "cpe-tickets-test"
KEY = "tickets/2026/11/q8Zx3Lm0Vb7Ns2Wd5Yh9Kc4Rf6Tg1PjA.pdf"


@pytest.fixture
def aws(monkeypatch, settings, tmp_path):
    """Fake credentials (nothing can reach a real account), the lambda backend configured,
    and an empty bucket in moto's S3."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    settings.TICKET_BACKEND = "lambda"
    settings.PDF_LAMBDA_NAME = FUNCTION
    settings.TICKETS_BUCKET = BUCKET
    settings.AWS_REGION = "us-east-1"
    settings.S3_ENDPOINT_URL = ""
    settings.PUBLIC_TICKETS = False
    settings.TICKET_URL_EXPIRES_SECONDS = 3600
    backends.lambda_client.cache_clear()
    backends.s3_client.cache_clear()
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield s3
    backends.lambda_client.cache_clear()
    backends.s3_client.cache_clear()


@pytest.fixture
def lambda_stub(aws):
    """The Stubber on the backend's own Lambda client, plus every Payload it was sent."""
    client = backends.lambda_client()
    sent: list[dict] = []
    client.meta.events.register(
        "before-parameter-build.lambda.Invoke",
        lambda params, **kwargs: sent.append(json.loads(params["Payload"])),
    )
    with Stubber(client) as stubber:
        stubber.sent = sent
        yield stubber
        stubber.assert_no_pending_responses()


def _answer(stubber, body: dict, **extra) -> None:
    raw = json.dumps(body).encode()
    stubber.add_response(
        "invoke",
        {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(raw), len(raw)), **extra},
        expected_params={
            "FunctionName": FUNCTION,
            "InvocationType": "RequestResponse",
            "Payload": ANY,
        },
    )


def _stored(url: str = "https://example.invalid/presigned") -> dict:
    return {"bucket": BUCKET, "key": KEY, "url": url}


def test_the_lambda_gets_the_purchase_and_its_key_is_kept(lambda_stub, make_purchase, mailoutbox):
    purchase = make_purchase(S.VALIDATED, quantity=2)
    _answer(lambda_stub, _stored())

    assert services.purchase_deliver(purchase_id=purchase.pk) == "validated"

    [payload] = lambda_stub.sent
    assert payload["purchase_id"] == str(purchase.pk)
    assert payload["purchase_number"] == purchase.short_number
    assert payload["seller_name"] == "Productora Andes"
    assert payload["buyer"] == {"name": "María José Peña", "email": "mariajose@example.cl"}
    assert payload["event"]["name"] == "Los Bunkers en el Caupolicán"
    assert payload["event"]["location"] == "Teatro Caupolicán, Santiago"
    assert (payload["quantity"], payload["unit_price"], payload["total"]) == (2, 25_000, 50_000)
    assert payload["currency"] == "CLP" and payload["language"] == "es"
    assert [ticket_code_parse(t["code"]) for t in payload["tickets"]] == [
        (purchase.pk, 1),
        (purchase.pk, 2),
    ]
    parse_ticket(payload)  # exactly what the Lambda's own validation accepts
    ticket = TicketFile.objects.get(purchase=purchase)
    assert (ticket.backend, ticket.bucket, ticket.key) == ("lambda", BUCKET, KEY)
    assert ticket.is_ready and ticket.attempts == 1 and ticket.last_error == ""
    assert len(mailoutbox) == 1


def test_a_delivered_ticket_is_never_rendered_again(lambda_stub, make_purchase):
    purchase = make_purchase(S.VALIDATED)
    _answer(lambda_stub, _stored())  # one answer only: a second invoke would fail the stub

    for _ in range(3):
        services.purchase_deliver(purchase_id=purchase.pk)

    assert len(lambda_stub.sent) == 1
    assert TicketFile.objects.get(purchase=purchase).key == KEY


def test_the_owner_is_sent_to_a_fresh_presigned_url_that_works(
    aws, lambda_stub, make_purchase, client, buyer, settings
):
    purchase = make_purchase(S.VALIDATED, quantity=1)
    _answer(lambda_stub, _stored())
    services.purchase_deliver(purchase_id=purchase.pk)
    # What the real Lambda would have written under that key.
    pdf = render_ticket_pdf(parse_ticket(lambda_stub.sent[0]))
    aws.put_object(Bucket=BUCKET, Key=KEY, Body=pdf, ContentType="application/pdf")
    client.force_login(buyer)

    page = client.get(f"/purchases/{purchase.pk}/ticket/")
    api = client.get(f"/api/v1/purchases/{purchase.pk}/ticket/")

    assert page.status_code == 302 and api.status_code == 302
    url = urlsplit(page["Location"])
    assert url.hostname.startswith(BUCKET) or url.path.startswith(f"/{BUCKET}/")
    assert url.path.endswith(KEY)
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert "X-Amz-Signature" in query
    fetched = requests.get(page["Location"], timeout=5)  # answered by moto
    assert fetched.status_code == 200 and fetched.content == pdf
    # Made fresh on every request: a new lifetime shows in the next link at once.
    settings.TICKET_URL_EXPIRES_SECONDS = 120
    again = client.get(f"/purchases/{purchase.pk}/ticket/")
    assert parse_qs(urlsplit(again["Location"]).query)["X-Amz-Expires"] == ["120"]


def test_public_tickets_get_the_plain_object_url(
    lambda_stub, make_purchase, client, buyer, settings
):
    settings.PUBLIC_TICKETS = True
    purchase = make_purchase(S.VALIDATED)
    _answer(lambda_stub, _stored())
    services.purchase_deliver(purchase_id=purchase.pk)
    client.force_login(buyer)

    response = client.get(f"/api/v1/purchases/{purchase.pk}/ticket/")

    assert response.status_code == 302
    assert response["Location"] == f"https://{BUCKET}.s3.us-east-1.amazonaws.com/{KEY}"


def test_an_error_answer_of_the_lambda_is_recorded_and_raised(
    lambda_stub, make_purchase, mailoutbox
):
    purchase = make_purchase(S.VALIDATED)
    error = {"code": "invalid_ticket_data", "message": "buyer.email: is required"}
    _answer(lambda_stub, {"error": error})

    with pytest.raises(TicketRenderFailed, match="invalid_ticket_data"):
        services.purchase_deliver(purchase_id=purchase.pk)

    ticket = TicketFile.objects.get(purchase=purchase)
    assert not ticket.is_ready and ticket.key == ""
    assert ticket.attempts == 1
    assert "buyer.email: is required" in ticket.last_error
    assert mailoutbox == [] and not Notification.objects.exists()


def test_a_crashed_lambda_is_recorded_and_the_next_try_succeeds(
    lambda_stub, make_purchase, mailoutbox
):
    purchase = make_purchase(S.VALIDATED)
    crash = {"errorMessage": "An error occurred (AccessDenied) when calling PutObject"}
    _answer(lambda_stub, crash, FunctionError="Unhandled")
    _answer(lambda_stub, _stored())

    with pytest.raises(TicketRenderFailed, match="AccessDenied"):
        services.purchase_deliver(purchase_id=purchase.pk)
    assert "AccessDenied" in TicketFile.objects.get(purchase=purchase).last_error
    services.purchase_deliver(purchase_id=purchase.pk)  # RQ's retry

    ticket = TicketFile.objects.get(purchase=purchase)
    assert ticket.is_ready and ticket.attempts == 2 and ticket.last_error == ""
    assert len(mailoutbox) == 1


def test_until_the_lambda_has_answered_the_download_asks_to_retry(
    lambda_stub, make_purchase, client, buyer
):
    purchase = make_purchase(S.VALIDATED)
    client.force_login(buyer)

    response = client.get(f"/api/v1/purchases/{purchase.pk}/ticket/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ticket_not_ready"
    assert response["Retry-After"] == "5"
    assert lambda_stub.sent == []  # the web request did not invoke the Lambda
