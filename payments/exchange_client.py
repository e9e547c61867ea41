"""The seller's side of the exchange protocol (docs/exchange-protocol.md).

Every call has a timeout and is retried on transport errors and transient answers (408,
425, 429, 5xx; see `ticketseller.http`), then raises `DependencyDown`. Every other answer is
checked before it is used: a 4xx raises `ExchangeRefused` with the exchange's message, a 2xx
whose body is not the documented shape raises `ExchangeMalformed`. The purchase id is the
`request_id`, so a retry never pays twice.
"""

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ticketseller.http import JsonClient, JsonResponse, json_client

# `GET /v1/payments/{id}` is an extension of our reference exchange. When it does not know
# the payment it answers 404 with this code; a 404 without it is an exchange without the
# extension (an unknown route), which tells us nothing about the payment.
UNKNOWN_PAYMENT_CODE = "unknown_payment"
NO_EXTENSION = "no_extension"
_SIGNATURE = re.compile(r"sha256=[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class PaymentAccepted:
    deposit_token: str
    challenges: list[dict]
    max_secret: int


class ExchangeError(Exception):
    """The exchange answered, but not with something we can act on. Permanent: asking the
    same again gets the same answer, so jobs record it instead of retrying."""


class ExchangeRefused(ExchangeError):
    """A 4xx other than 408/425/429: the exchange will not do it (unknown event, too few
    tickets, unknown deposit token...). `status` and `message` are the exchange's."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(f"HTTP {status}: {message}")


class ExchangeMalformed(ExchangeError):
    """A 2xx whose body is not the documented shape (not JSON, a field missing or mistyped)."""


def _client() -> JsonClient:
    return json_client(
        settings.EXCHANGE_URL,
        timeout=settings.EXCHANGE_TIMEOUT,
        max_sleep=settings.EXCHANGE_RETRY_BUDGET_SECONDS,
    )


def _message(response: JsonResponse) -> str:
    body = response.body
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])[:500]
    return str(body)[:500]


def _checked(response: JsonResponse, what: str) -> dict[str, Any]:
    """The body of a 2xx JSON object answer, or the error that says why not."""
    if not response.ok:
        raise ExchangeRefused(response.status, _message(response))
    if not response.is_json or not isinstance(response.body, dict):
        raise ExchangeMalformed(f"{what}: HTTP {response.status}, not a JSON object")
    return response.body


def _uuid(value: Any, what: str) -> str:
    try:
        if isinstance(value, str):
            return str(uuid.UUID(value))
    except ValueError:
        pass
    raise ExchangeMalformed(f"{what}: {value!r} is not a UUID")


def _challenges(value: Any) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise ExchangeMalformed("payment: challenges must be a non-empty list")
    challenges = []
    for c in value:
        ok = (
            isinstance(c, dict)
            and isinstance(c.get("challenge_id"), int)
            and not isinstance(c.get("challenge_id"), bool)
            and isinstance(c.get("challenge_hash"), str)
            and re.fullmatch(r"[0-9a-f]{64}", c["challenge_hash"]) is not None
        )
        if not ok:
            raise ExchangeMalformed(f"payment: bad challenge {c!r}")
        challenges.append(
            {"challenge_id": c["challenge_id"], "challenge_hash": c["challenge_hash"]}
        )
    return challenges


def payment_create(
    *, request_id: str, exchange_event_id: str, quantity: int, value: int
) -> PaymentAccepted:
    response = _client().post(
        "payments",
        {
            "request_id": request_id,
            "group_id": settings.EXCHANGE_GROUP_ID,
            "seller": settings.EXCHANGE_SELLER,
            "event_id": exchange_event_id,
            "quantity": quantity,
            "value": value,
        },
    )
    body = _checked(response, "payment")
    max_secret = body.get("max_secret")
    if max_secret is not None and (
        not isinstance(max_secret, int) or isinstance(max_secret, bool) or max_secret < 1
    ):
        raise ExchangeMalformed(f"payment: max_secret {max_secret!r} is not a positive integer")
    return PaymentAccepted(
        deposit_token=_uuid(body.get("deposit_token"), "payment: deposit_token"),
        challenges=_challenges(body.get("challenges")),
        # The course's exchange does not say; its documented range is [1, 500000].
        max_secret=max_secret or settings.EXCHANGE_DEFAULT_MAX_SECRET,
    )


def solution_submit(*, deposit_token: str, solutions: list[dict]) -> bool:
    """The exchange's verdict: True when every secret is right. Idempotent on the exchange's
    side: the same solutions again return the same verdict, which is how we ask for it."""
    response = _client().post(
        "challenges/solution", {"deposit_token": deposit_token, "challenges": solutions}
    )
    body = _checked(response, "solution")
    valid = body.get("valid")
    if not isinstance(valid, bool):  # "false" is a string, and truthy: not a verdict
        raise ExchangeMalformed(f"solution: valid must be a JSON boolean, got {valid!r}")
    return valid


def payment_status(*, request_id: str) -> str | None:
    """`pending`, `valid` or `invalid`; None when the exchange says it never saw this
    payment; `NO_EXTENSION` when the exchange does not offer `GET /v1/payments/{id}`."""
    response = _client().get(f"payments/{request_id}", attempts=2)
    if response.status in (404, 405, 501):
        body = response.body if isinstance(response.body, dict) else {}
        if response.status == 404 and body.get("code") == UNKNOWN_PAYMENT_CODE:
            return None
        return NO_EXTENSION
    body = _checked(response, "payment status")
    status = body.get("status")
    if status not in ("pending", "valid", "invalid"):
        raise ExchangeMalformed(f"payment status: unknown status {status!r}")
    return status


def signature_valid(*, body: bytes, header: str | None) -> bool:
    """`X-Exchange-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. The header's shape
    is checked first, so anything else (non-ASCII included) is simply not valid."""
    if not header or _SIGNATURE.fullmatch(header) is None:
        return False
    expected = hmac.new(settings.EXCHANGE_WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, bytes.fromhex(header.removeprefix("sha256=")))
