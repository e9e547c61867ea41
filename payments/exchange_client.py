"""The seller's side of EXCHANGE_PROTOCOL.md. Every call has a timeout and is retried on
transport errors and 5xx; the purchase id is the `request_id`, so a retry never pays twice."""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from ticketseller.http import JsonClient, JsonResponse, json_client


@dataclass(frozen=True)
class PaymentAccepted:
    deposit_token: str
    challenges: list[dict]
    max_secret: int


class ExchangeRefused(Exception):
    """A 4xx: the exchange will not take this payment (unknown event, too few tickets...)."""


def _client() -> JsonClient:
    return json_client(settings.EXCHANGE_URL, timeout=settings.EXCHANGE_TIMEOUT)


def _refused(response: JsonResponse) -> ExchangeRefused:
    body = response.body if isinstance(response.body, dict) else {}
    return ExchangeRefused(f"HTTP {response.status}: {body.get('message', body)}")


def payment_create(*, request_id: str, event_id: str, quantity: int, value: int) -> PaymentAccepted:
    response = _client().post(
        "payments",
        {
            "request_id": request_id,
            "group_id": settings.EXCHANGE_GROUP_ID,
            "seller": settings.EXCHANGE_SELLER,
            "event_id": event_id,
            "quantity": quantity,
            "value": value,
        },
    )
    if not response.ok:
        raise _refused(response)
    body = response.body
    return PaymentAccepted(
        deposit_token=str(body["deposit_token"]),
        challenges=[
            {"challenge_id": c["challenge_id"], "challenge_hash": c["challenge_hash"]}
            for c in body["challenges"]
        ],
        # The course's exchange does not say; its documented range is [1, 500000].
        max_secret=int(body.get("max_secret") or settings.EXCHANGE_DEFAULT_MAX_SECRET),
    )


def solution_submit(*, deposit_token: str, solutions: list[dict]) -> bool:
    """The exchange's verdict: True when every secret is right."""
    response = _client().post(
        "challenges/solution", {"deposit_token": deposit_token, "challenges": solutions}
    )
    if not response.ok:
        raise _refused(response)
    return bool(response.body.get("valid"))


def payment_status(*, request_id: str) -> str | None:
    """`pending`, `valid` or `invalid`; None when the exchange never saw this payment.

    `GET /v1/payments/{request_id}` is the reference exchange's extension for reconciling.
    """
    response = _client().get(f"payments/{request_id}", attempts=2)
    if response.status == 404:
        return None
    if not response.ok:
        raise _refused(response)
    return str(response.body.get("status"))


def signature_valid(*, body: bytes, header: str | None) -> bool:
    """`X-Exchange-Signature: sha256=<hex HMAC-SHA256 of the raw body>`."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(settings.EXCHANGE_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))
