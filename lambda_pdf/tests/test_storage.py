from datetime import UTC, datetime

import pytest

from lambda_pdf.storage import (
    download_filename,
    make_s3_client,
    new_ticket_key,
    presigned_ticket_url,
    public_ticket_url,
)
from lambda_pdf.tests.helpers import REGION


def test_keys_are_filed_by_month_and_never_repeat():
    when = datetime(2026, 12, 26, 3, 0, tzinfo=UTC)
    keys = {new_ticket_key(now=when) for _ in range(1000)}

    assert len(keys) == 1000
    for key in keys:
        assert key.startswith("tickets/2026/12/")
        assert len(key.removeprefix("tickets/2026/12/").removesuffix(".pdf")) == 32


def test_the_download_name_is_plain_ascii():
    assert download_filename("CPE-000123") == "entrada-CPE-000123.pdf"
    assert download_filename('CPE 000/123 "ñ"') == "entrada-CPE-000-123.pdf"
    assert download_filename("ñ") == "entrada-ticket.pdf"


@pytest.mark.parametrize("expires_in", [0, 7 * 24 * 3600 + 1])
def test_presigned_links_live_between_a_second_and_a_week(expires_in):
    client = make_s3_client(region=REGION)
    with pytest.raises(ValueError, match="expires_in"):
        presigned_ticket_url(
            client=client, bucket="b-tickets", key="tickets/x.pdf", expires_in=expires_in
        )


def test_public_urls_follow_the_bucket_region_and_endpoint():
    key = "tickets/2026/12/abc.pdf"
    assert (
        public_ticket_url(bucket="cpe-tickets", key=key, region="sa-east-1")
        == f"https://cpe-tickets.s3.sa-east-1.amazonaws.com/{key}"
    )
    assert (
        public_ticket_url(bucket="cpe-tickets", key=key, endpoint_url="http://127.0.0.1:9000")
        == f"http://127.0.0.1:9000/cpe-tickets/{key}"
    )
    assert (
        public_ticket_url(bucket="tickets.cpe.cl", key=key, region="us-east-1")
        == f"https://s3.us-east-1.amazonaws.com/tickets.cpe.cl/{key}"
    )
