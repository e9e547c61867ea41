"""Where ticket PDFs go: S3 (or any S3-compatible server), under keys nobody can guess.

The key carries 192 random bits, so a plain object URL is only as public as the key is secret;
with a private bucket the buyer gets a presigned GET URL that expires.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import boto3
from botocore.config import Config

KEY_PREFIX = "tickets"
CONTENT_TYPE = "application/pdf"
# SigV4 presigned URLs live at most 7 days. Note: a URL signed with the Lambda role's
# temporary credentials stops working when those credentials expire, whichever comes first.
MAX_URL_EXPIRES_SECONDS = 7 * 24 * 3600

# Every call to S3 is bounded: a few seconds to connect, a few more to answer, 3 tries.
_TIMEOUTS = {"connect_timeout": 5, "read_timeout": 15, "retries": {"max_attempts": 3}}


def make_s3_client(*, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 S3 client with timeouts; path-style addressing for S3-compatible endpoints."""
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        **_TIMEOUTS,
    )
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, config=config)


def new_ticket_key(*, now: datetime | None = None) -> str:
    """`tickets/<yyyy>/<mm>/<32 url-safe random characters>.pdf`."""
    now = now or datetime.now(UTC)
    return f"{KEY_PREFIX}/{now:%Y}/{now:%m}/{secrets.token_urlsafe(24)}.pdf"


def download_filename(purchase_number: str) -> str:
    """An ASCII file name for Content-Disposition: "entrada-CPE-000123.pdf"."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", purchase_number).strip("-.") or "ticket"
    return f"entrada-{safe}.pdf"


def put_ticket_pdf(
    *,
    client: Any,
    bucket: str,
    pdf: bytes,
    key: str | None = None,
    filename: str | None = None,
) -> str:
    """Store the PDF and return its key (a new unguessable one unless `key` is given)."""
    key = key or new_ticket_key()
    extra: dict[str, str] = {}
    if filename:
        extra["ContentDisposition"] = f'inline; filename="{filename}"'
    client.put_object(
        Bucket=bucket,
        Key=key,
        Body=pdf,
        ContentType=CONTENT_TYPE,
        CacheControl="private, max-age=3600",
        **extra,
    )
    return key


def presigned_ticket_url(*, client: Any, bucket: str, key: str, expires_in: int) -> str:
    """A GET URL for the object that stops working after `expires_in` seconds."""
    if not 1 <= expires_in <= MAX_URL_EXPIRES_SECONDS:
        raise ValueError(f"expires_in must be between 1 and {MAX_URL_EXPIRES_SECONDS} seconds")
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
    )


def public_ticket_url(
    *, bucket: str, key: str, region: str | None = None, endpoint_url: str | None = None
) -> str:
    """The plain object URL (works only if the bucket lets the public read `tickets/*`).

    AWS: the regional virtual-hosted form, or path style when the bucket name has dots (TLS
    certificates do not cover them). An S3-compatible endpoint: path style under it.
    """
    path = quote(key, safe="/~")
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{bucket}/{path}"
    host = f"s3.{region or 'us-east-1'}.amazonaws.com"
    if "." in bucket:
        return f"https://{host}/{bucket}/{path}"
    return f"https://{bucket}.{host}/{path}"
