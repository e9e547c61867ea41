"""Signed ticket codes: what each ticket's QR code carries and staff check at the door.

    CPE1.<purchase id, 32 hex>.<ticket number, 1..n>.<MAC>

MAC = the first 16 bytes (128 bits) of HMAC-SHA256(TICKET_CODE_SECRET, "CPE1.<hex>.<n>"),
in base32 without padding. Everything is upper case, so the whole code fits QR's compact
alphanumeric mode, and a code typed by hand in lower case is still accepted.
"""

import base64
import hashlib
import hmac
import re
import uuid

from django.conf import settings

from payments.delivery.errors import ForgedTicketCode

VERSION = "CPE1"
MAC_BYTES = 16
_CODE_RE = re.compile(r"^CPE1\.([0-9A-F]{32})\.([1-9][0-9]{0,3})\.([A-Z2-7]{26})$")


def _mac(message: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:MAC_BYTES]).decode().rstrip("=")


def _secret(secret: str | None) -> str:
    secret = settings.TICKET_CODE_SECRET if secret is None else secret
    if not secret:
        raise RuntimeError("TICKET_CODE_SECRET is empty")
    return secret


def ticket_code_make(*, purchase_id: uuid.UUID | str, index: int, secret: str | None = None) -> str:
    """The code of ticket `index` (1-based) of a purchase."""
    if isinstance(index, bool) or not 1 <= index <= 9999:
        raise ValueError("index must be between 1 and 9999")
    body = f"{VERSION}.{uuid.UUID(str(purchase_id)).hex.upper()}.{index}"
    return f"{body}.{_mac(body, _secret(secret))}"


def ticket_codes_for(*, purchase_id: uuid.UUID | str, quantity: int) -> list[str]:
    return [ticket_code_make(purchase_id=purchase_id, index=i) for i in range(1, quantity + 1)]


def ticket_code_parse(code: str, *, secret: str | None = None) -> tuple[uuid.UUID, int]:
    """(purchase id, ticket index) of a genuine code, or ForgedTicketCode.

    Whitespace (a wrapped QR payload, a code typed in groups) and case are ignored.
    """
    normalized = "".join(str(code or "").split()).upper()
    match = _CODE_RE.match(normalized)
    if match is None:
        raise ForgedTicketCode()
    hex_id, index, mac = match.groups()
    body = f"{VERSION}.{hex_id}.{index}"
    if not hmac.compare_digest(mac, _mac(body, _secret(secret))):
        raise ForgedTicketCode()
    return uuid.UUID(hex_id), int(index)
