import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from lambda_pdf.handler import Settings, handler, issue_ticket
from lambda_pdf.storage import make_s3_client
from lambda_pdf.tests.helpers import BUCKET, REGION, bucket_keys, flat, pdf_pages_text, pdf_reader

KEY_PATTERN = re.compile(r"^tickets/(\d{4})/(\d{2})/[A-Za-z0-9_-]{32}\.pdf$")


def _stored_pdf(s3, key: str) -> bytes:
    obj = s3.get_object(Bucket=BUCKET, Key=key)
    assert obj["ContentType"] == "application/pdf"
    return obj["Body"].read()


def test_the_ticket_pdf_is_stored_under_the_returned_key(s3, make_payload):
    result = handler(make_payload(quantity=2), None)

    assert set(result) == {"bucket", "key", "url"}
    assert result["bucket"] == BUCKET
    assert bucket_keys(s3) == [result["key"]]
    text = flat("\n".join(pdf_pages_text(_stored_pdf(s3, result["key"]))))
    for expected in (
        "CPE Ticket Seller",
        "María José Peña",
        "mariajose@example.cl",
        "Los Bunkers en el Caupolicán",
        "Cantidad 2",
        "$50.000",
    ):
        assert expected in text


def test_keys_are_unguessable_and_filed_by_month(s3, make_payload):
    first = handler(make_payload(), None)["key"]
    second = handler(make_payload(), None)["key"]

    assert first != second
    now = datetime.now(UTC)
    assert KEY_PATTERN.match(first).groups() == (f"{now:%Y}", f"{now:%m}")


def test_the_download_keeps_a_readable_file_name(s3, make_payload):
    key = handler(make_payload(), None)["key"]
    obj = s3.head_object(Bucket=BUCKET, Key=key)
    assert obj["ContentDisposition"] == 'inline; filename="entrada-CPE-000123.pdf"'


def test_a_multi_ticket_purchase_has_one_page_per_ticket(s3, make_payload):
    payload = make_payload(quantity=4)

    pages = pdf_pages_text(_stored_pdf(s3, handler(payload, None)["key"]))

    assert len(pages) == 4
    for number, (page, item) in enumerate(zip(pages, payload["tickets"], strict=True), start=1):
        assert f"Entrada {number} de 4" in page
        assert "".join(item["code"].split()) in "".join(page.split())


def test_a_missing_field_is_answered_with_its_name_and_nothing_is_written(s3, make_payload):
    payload = make_payload()
    del payload["buyer"]["email"]

    result = handler(payload, None)

    assert result == {
        "error": {"code": "invalid_ticket_data", "message": "buyer.email: is required"}
    }
    assert bucket_keys(s3) == []


def test_the_link_is_presigned_and_expires_after_an_hour_by_default(s3, make_payload):
    result = handler(make_payload(), None)

    url = urlsplit(result["url"])
    query = parse_qs(url.query)
    assert url.path.endswith(result["key"])
    assert query["X-Amz-Expires"] == ["3600"]
    assert query["X-Amz-Signature"]


def test_the_link_lifetime_comes_from_the_environment(s3, make_payload, monkeypatch):
    monkeypatch.setenv("URL_EXPIRES_SECONDS", "600")
    query = parse_qs(urlsplit(handler(make_payload(), None)["url"]).query)
    assert query["X-Amz-Expires"] == ["600"]


def test_the_presigned_link_downloads_the_pdf(s3, make_payload):
    requests = pytest.importorskip("requests")  # moto depends on it; mock_aws answers it
    result = handler(make_payload(), None)

    response = requests.get(result["url"], timeout=5)

    assert response.status_code == 200
    assert response.content == _stored_pdf(s3, result["key"])


def test_public_tickets_get_a_plain_object_url(s3, make_payload, monkeypatch):
    monkeypatch.setenv("PUBLIC_TICKETS", "true")

    result = handler(make_payload(), None)

    assert result["url"] == f"https://{BUCKET}.s3.us-east-1.amazonaws.com/{result['key']}"
    assert bucket_keys(s3) == [result["key"]]


def test_an_s3_compatible_endpoint_gets_path_style_links(s3, make_payload, monkeypatch):
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "http://127.0.0.1:9000")
    monkeypatch.setenv("PUBLIC_TICKETS", "true")

    result = handler(make_payload(), None)

    assert result["url"] == f"http://127.0.0.1:9000/{BUCKET}/{result['key']}"
    assert bucket_keys(s3) == [result["key"]]


def test_english_tickets_have_english_labels(s3, make_payload):
    result = handler(make_payload(quantity=1, language="en"), None)

    text = flat(pdf_pages_text(_stored_pdf(s3, result["key"]))[0])
    for label in ("Ticket 1 of 1", "Buyer", "Quantity", "Unit price", "Purchase no.", "Venue"):
        assert label in text


def test_the_seller_comes_from_the_environment_unless_the_payload_names_one(
    s3, make_payload, monkeypatch
):
    monkeypatch.setenv("SELLER_NAME", "Grupo 7")
    from_env = _stored_pdf(s3, handler(make_payload(), None)["key"])
    from_payload = _stored_pdf(s3, handler(make_payload(seller_name="Productora Sur"), None)["key"])

    assert pdf_reader(from_env).metadata.author == "Grupo 7"
    assert pdf_reader(from_payload).metadata.author == "Productora Sur"
    assert "Productora Sur" in pdf_pages_text(from_payload)[0]


def test_a_missing_bucket_setting_fails_the_invocation(make_payload, monkeypatch):
    monkeypatch.delenv("TICKETS_BUCKET")
    with pytest.raises(RuntimeError, match="TICKETS_BUCKET is not set"):
        handler(make_payload(), None)


@pytest.mark.parametrize(
    ("name", "value"), [("PUBLIC_TICKETS", "maybe"), ("URL_EXPIRES_SECONDS", "999999999")]
)
def test_a_bad_setting_fails_the_invocation(make_payload, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        handler(make_payload(), None)


def test_the_job_runs_in_process_with_explicit_settings(s3, make_payload, monkeypatch):
    monkeypatch.delenv("TICKETS_BUCKET")  # a Django process has no Lambda environment
    settings = Settings(bucket=BUCKET, seller_name="Grupo 7", expires_in=120, region=REGION)

    client = make_s3_client(region=REGION)  # signs SigV4 links, as the Lambda does

    result = issue_ticket(make_payload(), settings=settings, client=client)

    assert bucket_keys(s3) == [result["key"]]
    assert parse_qs(urlsplit(result["url"]).query)["X-Amz-Expires"] == ["120"]
    assert pdf_reader(_stored_pdf(s3, result["key"])).metadata.author == "Grupo 7"
