"""The waiting room's gate on purchase creation (the API and the buy form both pass it)."""

from events.errors import AdmissionRequired
from events.waiting_room import waiting_room_admission_check
from payments.models import Purchase


def purchase_admission_check(
    *, user, event_pk: int, token: str | None, idempotency_key: str | None
) -> None:
    """Raise `AdmissionRequired` while the event's waiting room is on and `token` does not
    admit this user. A retry of a purchase already made (same idempotency key) passes: its
    answer is the first purchase, even if the token has expired since."""
    try:
        waiting_room_admission_check(user=user, event_pk=event_pk, token=token)
    except AdmissionRequired:
        if (
            idempotency_key
            and Purchase.objects.filter(user=user, idempotency_key=idempotency_key).exists()
        ):
            return
        raise
