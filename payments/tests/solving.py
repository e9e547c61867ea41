"""A purchase brought to SOLVING by hand, with two challenges and their secrets (for tests
that start at the master's answer)."""

import uuid

from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_transition

SECRETS = [{"challenge_id": 1, "secret": 17}, {"challenge_id": 2, "secret": 4}]
CHALLENGES = [{"challenge_id": n, "challenge_hash": c * 64} for n, c in ((1, "a"), (2, "b"))]


def purchase_to_solving(purchase: Purchase) -> Purchase:
    purchase, _ = purchase_transition(
        purchase_id=purchase.pk,
        to=PurchaseStatus.SOLVING,
        deposit_token=uuid.uuid4(),
        challenges=CHALLENGES,
        challenges_total=len(CHALLENGES),
    )
    return purchase
