"""Where ticket PDFs are rendered and kept, chosen by `settings.TICKET_BACKEND`.

`local`   renders in-process with the Lambda's own code (`lambda_pdf`) and keeps the file in
          Django's default storage (the media folder) under an unguessable key; a Django view
          serves it to the owner only.
`lambda`  asks the PDF Lambda (boto3 `invoke`) to render and store it in S3; the owner is sent
          to a presigned S3 URL made fresh on every download (or the plain object URL when
          PUBLIC_TICKETS is on).

Both take the ticket JSON of `pdf_data.ticket_data_for` and answer a `StoredTicket`; a
failure is a `TicketRenderFailed` whose message is what staff see in the admin.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from lambda_pdf.schema import TicketDataError, parse_ticket
from lambda_pdf.storage import (
    make_s3_client,
    new_ticket_key,
    presigned_ticket_url,
    public_ticket_url,
)
from lambda_pdf.ticket import render_ticket_pdf
from payments.delivery.errors import TicketRenderFailed
from payments.delivery.models import TicketBackendName

log = logging.getLogger(__name__)

# The Lambda renders a ticket in well under a second; 60 s covers a cold start. No botocore
# retries: a retried invoke could store a second object, so RQ's retry (after the
# TicketFile records the failure) is the only one.
LAMBDA_CONNECT_TIMEOUT = 5
LAMBDA_READ_TIMEOUT = 60
# How long a renderer's claim on a TicketFile lasts (longer than one invoke can take).
RENDER_LEASE_SECONDS = 2 * (LAMBDA_CONNECT_TIMEOUT + LAMBDA_READ_TIMEOUT)


@dataclass(frozen=True)
class StoredTicket:
    key: str
    bucket: str = ""
    size: int | None = None


@dataclass(frozen=True)
class TicketDownload:
    """Either a file to stream (local) or a URL to redirect to (S3)."""

    filename: str
    file: IO[bytes] | None = None
    url: str | None = None


class LocalBackend:
    name = TicketBackendName.LOCAL

    def store(self, *, payload: dict[str, Any]) -> StoredTicket:
        try:
            data = parse_ticket(payload, default_seller_name=settings.SELLER_NAME)
        except TicketDataError as exc:
            raise TicketRenderFailed(f"invalid ticket data: {exc}") from exc
        pdf = render_ticket_pdf(data)
        try:
            name = default_storage.save(new_ticket_key(), ContentFile(pdf))
        except OSError as exc:
            raise TicketRenderFailed(f"storage: {exc}") from exc
        return StoredTicket(key=name, size=len(pdf))

    def discard(self, stored: StoredTicket) -> None:
        default_storage.delete(stored.key)

    def download(self, *, key: str, bucket: str, filename: str) -> TicketDownload:
        try:
            return TicketDownload(filename=filename, file=default_storage.open(key, "rb"))
        except FileNotFoundError as exc:  # the media folder lost it: say so, never a 500
            log.error("stored ticket %s is missing from the media storage", key)
            raise TicketRenderFailed() from exc


@functools.lru_cache(maxsize=4)
def lambda_client(region: str | None = None) -> Any:
    """One boto3 Lambda client per process and region (clients are thread-safe)."""
    config = Config(
        connect_timeout=LAMBDA_CONNECT_TIMEOUT,
        read_timeout=LAMBDA_READ_TIMEOUT,
        retries={"total_max_attempts": 1},
    )
    return boto3.client("lambda", region_name=region or settings.AWS_REGION, config=config)


@functools.lru_cache(maxsize=4)
def s3_client(region: str | None, endpoint_url: str | None) -> Any:
    """For presigning only (no network call): `lambda_pdf.storage.make_s3_client`."""
    return make_s3_client(region=region, endpoint_url=endpoint_url)


class LambdaBackend:
    name = TicketBackendName.LAMBDA

    def store(self, *, payload: dict[str, Any]) -> StoredTicket:
        if not settings.PDF_LAMBDA_NAME:
            raise TicketRenderFailed("PDF_LAMBDA_NAME is not set")
        try:
            response = lambda_client().invoke(
                FunctionName=settings.PDF_LAMBDA_NAME,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode(),
            )
            raw = response["Payload"].read()
        except (BotoCoreError, ClientError) as exc:
            raise TicketRenderFailed(f"lambda invoke: {exc}") from exc
        try:
            answer = json.loads(raw or b"null")
        except ValueError:
            answer = None
        if response.get("FunctionError"):  # the handler raised (S3 down, misconfigured)
            detail = answer.get("errorMessage") if isinstance(answer, dict) else raw[:300]
            raise TicketRenderFailed(f"lambda {response['FunctionError']}: {detail}")
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            error = answer["error"]
            raise TicketRenderFailed(f"lambda: {error.get('code')}: {error.get('message')}")
        if not (
            isinstance(answer, dict)
            and isinstance(answer.get("bucket"), str)
            and isinstance(answer.get("key"), str)
            and answer["bucket"]
            and answer["key"]
        ):
            raise TicketRenderFailed(f"lambda: unexpected answer {raw[:300]!r}")
        return StoredTicket(key=answer["key"], bucket=answer["bucket"])

    def discard(self, stored: StoredTicket) -> None:
        # A duplicate can only come from a lease that ran out mid-render; the orphan object is
        # unreachable (random key) and the bucket's lifecycle rule may expire it.
        return None

    def download(self, *, key: str, bucket: str, filename: str) -> TicketDownload:
        endpoint = settings.S3_ENDPOINT_URL or None
        if settings.PUBLIC_TICKETS:
            url = public_ticket_url(
                bucket=bucket, key=key, region=settings.AWS_REGION, endpoint_url=endpoint
            )
        else:
            url = presigned_ticket_url(
                client=s3_client(settings.AWS_REGION, endpoint),
                bucket=bucket,
                key=key,
                expires_in=settings.TICKET_URL_EXPIRES_SECONDS,
            )
        return TicketDownload(filename=filename, url=url)


_BACKENDS = {TicketBackendName.LOCAL: LocalBackend, TicketBackendName.LAMBDA: LambdaBackend}


def get_backend(name: str | None = None) -> LocalBackend | LambdaBackend:
    """The backend called `name`, or the configured one (`settings.TICKET_BACKEND`)."""
    name = name or settings.TICKET_BACKEND
    try:
        return _BACKENDS[name]()
    except KeyError:
        raise TicketRenderFailed(f"unknown TICKET_BACKEND {name!r} (local | lambda)") from None
