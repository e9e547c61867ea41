"""The waiting room's admission tokens: signed (user, event, time), checked by the purchase
endpoints while an event's room is on (events/waiting_room.py)."""

from django.conf import settings
from django.core import signing

TOKEN_SALT = "events.waiting_room.admission"


def admission_token_issue(*, user_id: int, event_pk: int) -> str:
    return signing.dumps({"u": user_id, "e": event_pk}, salt=TOKEN_SALT)


def admission_token_problem(*, token: str | None, user_id: int, event_pk: int) -> str | None:
    """None when `token` admits this user to this event now, else why not: "missing",
    "expired" or "invalid" (forged, or another user's or event's)."""
    if not token:
        return "missing"
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.WAITING_ROOM_TOKEN_SECONDS)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "invalid"
    if data != {"u": user_id, "e": event_pk}:
        return "invalid"
    return None
