"""What the exchange does: catalogue pages, payments, challenges, verdicts and wallets.

Every change happens in one store transaction; a payment moves once from ``pending`` to
``valid`` or ``invalid`` (compare-and-set), and the money, the tickets and the webhook row
move in that same transaction, so nothing is charged or refunded twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import random
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from exchange.catalogue import catalogue_generate
from exchange.config import Settings, Switches, switch_value
from exchange.errors import BadRequest, Conflict, NotFound
from exchange.store import Store, Tx
from exchange.webhooks import validation_body

PAGE_SIZE = 25
# Integers must survive JSON clients that use doubles, and fit SQLite's 64-bit integers.
MAX_INT = 2**53 - 1
MAX_CHALLENGES_IN_SOLUTION = 1000
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def challenge_hash(deposit_token: str, challenge_id: int, secret: int) -> str:
    """The protocol's hash: hex sha256 of ``deposit_token=…&challenge_id=…&secret=…``."""
    text = f"deposit_token={deposit_token}&challenge_id={challenge_id}&secret={secret}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and _UUID_RE.match(value) is not None


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.isoformat(timespec="milliseconds")


class Exchange:
    """The exchange's behaviour, independent of HTTP; safe to call from many threads."""

    def __init__(
        self,
        *,
        store: Store,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        on_webhook_queued: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._clock = clock
        self._rng = rng or random.Random()
        self._switches = settings.switches
        self._switches_lock = threading.Lock()
        self._on_webhook_queued = on_webhook_queued or (lambda: None)

    # switches
    @property
    def switches(self) -> Switches:
        return self._switches

    def switches_update(self, *, changes: Mapping[str, Any]) -> Switches:
        """Apply a subset of switches atomically; all or nothing."""
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {}
        known = {f.name for f in dataclasses.fields(Switches)}
        for name, value in changes.items():
            if name not in known:
                errors[name] = f"unknown switch {name!r}"
                continue
            try:
                clean[name] = switch_value(name, value)
            except ValueError as exc:
                errors[name] = str(exc)
        if errors:
            raise BadRequest("; ".join(errors.values()), errors=errors)
        with self._switches_lock:
            self._switches = dataclasses.replace(self._switches, **clean)
            return self._switches

    def request_fails(self) -> bool:
        """Roll the dice for ``failure_rate`` (a simulated outage for this request)."""
        rate = self._switches.failure_rate
        return rate > 0 and self._rng.random() < rate

    # catalogue
    def catalogue_seed(self) -> int:
        """Fill the events table from the seeded catalogue if it is empty; returns count."""
        with self.store.transaction() as tx:
            if tx.events_count():
                return 0
            events = catalogue_generate(
                seed=self.settings.seed,
                count=self.settings.events,
                start=self.settings.catalogue_start,
            )
            tx.events_insert(
                {**event.as_dict(), "position": position} for position, event in enumerate(events)
            )
            return len(events)

    def events_page(self, *, page: int) -> dict[str, Any]:
        with self.store.transaction() as tx:
            total = tx.events_count()
            last_page = max(1, math.ceil(total / PAGE_SIZE))
            if not 1 <= page <= last_page:
                raise BadRequest(f"page must be between 1 and {last_page}")
            events = tx.events_page(offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        return {"events": events, "page": page, "last_page": last_page, "count": total}

    # payments
    def payment_create(self, *, body: Mapping[str, Any]) -> dict[str, Any]:
        """Take a payment: reserve the tickets and hand out the challenges (idempotent)."""
        fields = _payment_fields(body)
        switches = self._switches
        with self.store.transaction() as tx:
            existing = tx.payment_get(fields["request_id"])
            if existing is not None:
                different = [name for name, value in fields.items() if existing[name] != value]
                if different:
                    raise Conflict(
                        f"request_id {fields['request_id']} was already used with a different"
                        f" body ({', '.join(different)} differ)"
                    )
                return self._payment_answer(tx, existing)
            event = tx.event_get(fields["event_id"])
            if event is None:
                raise BadRequest(
                    f"unknown event_id {fields['event_id']}", errors={"event_id": "unknown event"}
                )
            expected = event["price"] * fields["quantity"]
            if fields["value"] != expected:
                raise BadRequest(
                    f"value must equal price * quantity ({event['price']} * {fields['quantity']}"
                    f" = {expected}), got {fields['value']}",
                    errors={"value": f"expected {expected}"},
                )
            if fields["quantity"] > event["quantity"]:
                raise BadRequest(
                    f"not enough tickets left for event {event['event_id']}:"
                    f" {event['quantity']} left, {fields['quantity']} requested",
                    errors={"quantity": f"only {event['quantity']} left"},
                )
            now = self._clock()
            token = str(uuid.uuid4())
            payment = {
                **fields,
                "deposit_token": token,
                "max_secret": switches.max_secret,
                "created_at": now,
                "deadline": now + switches.solution_timeout,
            }
            tx.payment_insert(payment)
            challenges = []
            for challenge_id in range(1, switches.challenges + 1):
                secret = secrets.randbelow(switches.max_secret) + 1
                challenges.append(
                    (challenge_id, secret, challenge_hash(token, challenge_id, secret))
                )
            tx.challenges_insert(token, challenges)
            tx.event_quantity_add(event["event_id"], -fields["quantity"])
            return self._payment_answer(tx, tx.payment_get(fields["request_id"]) or payment)

    def payment_get(self, *, request_id: str) -> dict[str, Any]:
        """The state of one payment (an extension of the protocol, for reconciling)."""
        if not is_uuid(request_id):
            raise BadRequest("request_id must be a UUID")
        with self.store.transaction() as tx:
            payment = tx.payment_get(request_id.lower())
            if payment is None:
                raise NotFound(f"unknown request_id {request_id}", code="unknown_payment")
            answer = self._payment_answer(tx, payment)
        valid = {"pending": None, "valid": True, "invalid": False}[payment["status"]]
        return {
            "request_id": payment["request_id"],
            "deposit_token": payment["deposit_token"],
            "status": payment["status"],
            "valid": valid,
            "reason": payment["reason"],
            "group_id": payment["group_id"],
            "seller": payment["seller"],
            "event_id": payment["event_id"],
            "quantity": payment["quantity"],
            "value": payment["value"],
            "challenges": answer["challenges"],
            "max_secret": payment["max_secret"],
            "created_at": _iso(payment["created_at"]),
            "deadline": answer["deadline"],
            "decided_at": _iso(payment["decided_at"]),
        }

    def _payment_answer(self, tx: Tx, payment: Mapping[str, Any]) -> dict[str, Any]:
        challenges = tx.challenges_get(payment["deposit_token"])
        return {
            "deposit_token": payment["deposit_token"],
            "challenges": [
                {"challenge_id": c["challenge_id"], "challenge_hash": c["challenge_hash"]}
                for c in challenges
            ],
            # Extensions: the seller may use these; course exchanges did not send them.
            "request_id": payment["request_id"],
            "max_secret": payment["max_secret"],
            "deadline": _iso(payment["deadline"]),
        }

    # challenges and verdicts
    def solution_submit(self, *, body: Mapping[str, Any]) -> dict[str, Any]:
        """Judge a solution; the first verdict is final and later submissions get it back."""
        token, submitted = _solution_fields(body)
        with self.store.transaction() as tx:
            payment = tx.payment_by_token(token)
            if payment is None:
                raise NotFound(f"unknown deposit_token {token}", code="unknown_deposit_token")
            if payment["status"] == "pending":
                now = self._clock()
                valid, reason = self._judge(tx, payment, submitted, now)
                self._decide(tx, payment, valid=valid, reason=reason, now=now)
                status = "valid" if valid else "invalid"
            else:
                status = payment["status"]
        self._on_webhook_queued()
        return {
            "deposit_token": payment["deposit_token"],
            "request_id": payment["request_id"],
            "valid": status == "valid",
        }

    def _judge(
        self, tx: Tx, payment: Mapping[str, Any], submitted: Mapping[int, int], now: float
    ) -> tuple[bool, str]:
        if now > payment["deadline"]:
            return False, "deadline"
        for challenge in tx.challenges_get(payment["deposit_token"]):
            cid = challenge["challenge_id"]
            if cid not in submitted:
                return False, f"challenge {cid} missing"
            if (
                challenge_hash(payment["deposit_token"], cid, submitted[cid])
                != challenge["challenge_hash"]
            ):
                return False, f"challenge {cid} wrong"
        reject_rate = self._switches.reject_rate
        if reject_rate > 0 and self._rng.random() < reject_rate:
            return False, "rejected"
        return True, "solved"

    def _decide(
        self, tx: Tx, payment: Mapping[str, Any], *, valid: bool, reason: str, now: float
    ) -> bool:
        status = "valid" if valid else "invalid"
        if not tx.payment_decide(payment["request_id"], status=status, reason=reason, now=now):
            return False  # decided by someone else in the meantime: nothing to move
        if valid:
            tx.wallet_add(payment["group_id"], payment["value"])
        else:
            tx.event_quantity_add(payment["event_id"], payment["quantity"])
        url = self._switches.webhook_url
        if url:
            body = validation_body(
                request_id=payment["request_id"],
                group_id=payment["group_id"],
                seller=payment["seller"],
                deposit_token=payment["deposit_token"],
                valid=valid,
            )
            tx.outbox_add(request_id=payment["request_id"], url=url, body=body, now=now)
        return True

    def payments_expire(self) -> int:
        """Declare invalid every pending payment past its deadline; returns how many."""
        now = self._clock()
        with self.store.transaction() as tx:
            expired = sum(
                self._decide(tx, payment, valid=False, reason="deadline", now=now)
                for payment in tx.payments_overdue(now)
            )
        if expired:
            self._on_webhook_queued()
        return expired

    # wallets
    def wallet_get(self, *, group_id: int) -> dict[str, Any]:
        with self.store.transaction() as tx:
            return {"group_id": group_id, "balance": tx.wallet_balance(group_id)}


def _int_field(
    body: Mapping[str, Any], name: str, minimum: int, errors: dict[str, str]
) -> int | None:
    value = body.get(name)
    if name not in body or value is None:
        errors[name] = f"{name} is required"
    elif isinstance(value, bool) or not isinstance(value, int):
        errors[name] = f"{name} must be an integer"
    elif not minimum <= value <= MAX_INT:
        errors[name] = f"{name} must be an integer >= {minimum}"
    else:
        return value
    return None


def _uuid_field(body: Mapping[str, Any], name: str, errors: dict[str, str]) -> str | None:
    value = body.get(name)
    if name not in body or value is None:
        errors[name] = f"{name} is required"
    elif not is_uuid(value):
        errors[name] = f"{name} must be a UUID string"
    else:
        return value.lower()
    return None


def _payment_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    fields = {
        "request_id": _uuid_field(body, "request_id", errors),
        "group_id": _int_field(body, "group_id", 1, errors),
        "seller": _int_field(body, "seller", 0, errors),
        "event_id": _uuid_field(body, "event_id", errors),
        "quantity": _int_field(body, "quantity", 1, errors),
        "value": _int_field(body, "value", 1, errors),
    }
    if errors:
        raise BadRequest("; ".join(errors.values()), errors=errors)
    return fields


def _solution_fields(body: Mapping[str, Any]) -> tuple[str, dict[int, int]]:
    errors: dict[str, str] = {}
    token = _uuid_field(body, "deposit_token", errors)
    items = body.get("challenges")
    submitted: dict[int, int] = {}
    if not isinstance(items, list):
        errors["challenges"] = "challenges must be a list of {challenge_id, secret}"
    elif len(items) > MAX_CHALLENGES_IN_SOLUTION:
        errors["challenges"] = f"at most {MAX_CHALLENGES_IN_SOLUTION} challenges"
    else:
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                errors["challenges"] = f"challenges[{index}] must be an object"
                break
            item_errors: dict[str, str] = {}
            cid = _int_field(item, "challenge_id", 1, item_errors)
            secret = _int_field(item, "secret", 0, item_errors)
            if item_errors:
                errors["challenges"] = f"challenges[{index}]: " + "; ".join(item_errors.values())
                break
            if cid is None or secret is None:  # unreachable: item_errors was empty
                continue
            if cid in submitted:
                errors["challenges"] = f"challenge_id {cid} appears twice"
                break
            submitted[cid] = secret
    if errors or token is None:
        raise BadRequest("; ".join(errors.values()), errors=errors)
    return token, submitted
