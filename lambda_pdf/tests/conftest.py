"""Fixtures for the PDF Lambda's tests: fake AWS credentials, a moto S3 bucket, payloads.

No Django here: these tests also run under pytest-django and never ask for the database.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lambda_pdf import handler as handler_module
from lambda_pdf.tests.helpers import BUCKET, REGION

_BASE_PAYLOAD: dict[str, Any] = {
    "purchase_id": "7f0c2a4e-5d7b-4c1e-9a51-2f7d8e3b6c10",
    "purchase_number": "CPE-000123",
    "issued_at": "2026-11-20T17:03:12+00:00",
    "buyer": {"name": "María José Peña", "email": "mariajose@example.cl"},
    "event": {
        "name": "Los Bunkers en el Caupolicán",
        "starts_at": "2026-12-26T21:00:00-03:00",
        "location": "Teatro Caupolicán, Santiago",
    },
    "unit_price": 25000,
    "currency": "CLP",
    "language": "es",
}


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[None]:
    """Dummy credentials so nothing can reach a real account, and a clean Lambda environment."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "TICKETS_BUCKET": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    for name in (
        "AWS_PROFILE",
        "S3_ENDPOINT_URL",
        "PUBLIC_TICKETS",
        "URL_EXPIRES_SECONDS",
        "SELLER_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    handler_module._s3_client.cache_clear()  # a client made outside mock_aws must not leak in
    yield
    handler_module._s3_client.cache_clear()


@pytest.fixture
def s3() -> Iterator[Any]:
    """An empty tickets bucket in moto's in-process S3."""
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def make_payload() -> Callable[..., dict[str, Any]]:
    """Ticket data as the Django side sends it; `quantity` tickets with distinct codes."""

    def make(quantity: int = 2, **overrides: Any) -> dict[str, Any]:
        payload = copy.deepcopy(_BASE_PAYLOAD)
        payload["quantity"] = quantity
        payload["total"] = payload["unit_price"] * quantity
        payload["tickets"] = [
            {"code": f"CPE1.TKT{n:03d}.q8Zx3Lm0Vb7Ns2Wd5Yh9Kc4Rf6Tg1Pj"}
            for n in range(1, quantity + 1)
        ]
        payload.update(overrides)
        return payload

    return make
