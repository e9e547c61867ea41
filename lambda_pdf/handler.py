"""The Lambda entry point: ticket data in, a PDF in S3 and a link to it out.

    handler(event, context) -> {"bucket": ..., "key": ..., "url": ...}
                             | {"error": {"code": "invalid_ticket_data", "message": ...}}

Bad ticket data is the caller's bug and retrying cannot fix it, so it is answered, not raised,
and nothing is written. Anything else (missing configuration, S3 down, access denied) raises:
the invocation fails, shows in the function's error metric, and the caller's job retries.

Environment:
    TICKETS_BUCKET        bucket to write to (required)
    SELLER_NAME           default seller on the ticket ("CPE Ticket Seller"); the payload's
                          seller_name wins
    PUBLIC_TICKETS        "true": answer the plain object URL instead of a presigned one
    URL_EXPIRES_SECONDS   lifetime of the presigned URL (3600; at most 7 days)
    S3_ENDPOINT_URL       an S3-compatible server instead of AWS (MinIO, moto_server)
    AWS_REGION            set by Lambda itself
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambda_pdf.schema import DEFAULT_SELLER_NAME, TicketDataError, parse_ticket
from lambda_pdf.storage import (
    MAX_URL_EXPIRES_SECONDS,
    download_filename,
    make_s3_client,
    new_ticket_key,
    presigned_ticket_url,
    public_ticket_url,
    put_ticket_pdf,
)
from lambda_pdf.ticket import render_ticket_pdf

logger = logging.getLogger(__name__)
if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:  # in Django, its LOGGING setting decides
    logger.setLevel(logging.INFO)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class Settings:
    bucket: str
    seller_name: str = DEFAULT_SELLER_NAME
    public: bool = False
    expires_in: int = 3600
    endpoint_url: str | None = None
    region: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        bucket = env.get("TICKETS_BUCKET", "").strip()
        if not bucket:
            raise RuntimeError("TICKETS_BUCKET is not set")
        expires_raw = env.get("URL_EXPIRES_SECONDS", "").strip() or "3600"
        try:
            expires_in = int(expires_raw)
        except ValueError:
            raise RuntimeError(f"URL_EXPIRES_SECONDS is not an integer: {expires_raw!r}") from None
        if not 1 <= expires_in <= MAX_URL_EXPIRES_SECONDS:
            raise RuntimeError(f"URL_EXPIRES_SECONDS must be 1..{MAX_URL_EXPIRES_SECONDS}")
        return cls(
            bucket=bucket,
            seller_name=env.get("SELLER_NAME", "").strip() or DEFAULT_SELLER_NAME,
            public=_env_bool(env, "PUBLIC_TICKETS"),
            expires_in=expires_in,
            endpoint_url=env.get("S3_ENDPOINT_URL", "").strip() or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        )


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """AWS Lambda entry point (Handler: lambda_pdf.handler.handler); settings from the env."""
    return issue_ticket(event, settings=Settings.from_env())


def issue_ticket(
    payload: dict[str, Any], *, settings: Settings, client: Any | None = None
) -> dict[str, Any]:
    """Validate, render, store, link: the Lambda's whole job, with its settings and S3
    client passed in (``handler`` reads them from the environment; tests pass moto's S3).
    The answer has the same shape as the Lambda's."""
    try:
        data = parse_ticket(payload, default_seller_name=settings.seller_name)
    except TicketDataError as exc:
        logger.warning(json.dumps({"msg": "invalid ticket data", "field": exc.field}))
        return {"error": {"code": exc.code, "message": str(exc)}}

    started = time.perf_counter()
    pdf = render_ticket_pdf(data)
    render_ms = (time.perf_counter() - started) * 1000

    client = client or _s3_client(settings.region, settings.endpoint_url)
    key = put_ticket_pdf(
        client=client,
        bucket=settings.bucket,
        pdf=pdf,
        key=new_ticket_key(),
        filename=download_filename(data.purchase_number),
    )
    if settings.public:
        url = public_ticket_url(
            bucket=settings.bucket,
            key=key,
            region=settings.region,
            endpoint_url=settings.endpoint_url,
        )
    else:
        url = presigned_ticket_url(
            client=client, bucket=settings.bucket, key=key, expires_in=settings.expires_in
        )
    # No buyer data and no ticket codes in the logs.
    logger.info(
        json.dumps(
            {
                "msg": "ticket stored",
                "purchase_id": data.purchase_id,
                "tickets": data.quantity,
                "bytes": len(pdf),
                "render_ms": round(render_ms, 1),
                "key": key,
            }
        )
    )
    return {"bucket": settings.bucket, "key": key, "url": url}


@functools.lru_cache(maxsize=4)
def _s3_client(region: str | None, endpoint_url: str | None) -> Any:
    # One client per warm Lambda container, not one per invocation.
    return make_s3_client(region=region, endpoint_url=endpoint_url)


def _env_bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise RuntimeError(f"{name} must be true or false, not {raw!r}")
