"""The exchange's verdict comes twice: in the answer to the submitted solution and in its
signed webhook, in either order. The second one changes nothing; when the webhook came
first, the synchronous answer sees that in a read and takes no lock."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.models import Purchase, PurchaseStatus
from payments.services import flow, purchase_apply_verdict, purchase_transition
from payments.tests.scripted_exchange import Answer
from payments.tests.solving import SECRETS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]
S = PurchaseStatus


@pytest.fixture
def submitted(solving) -> Purchase:
    return purchase_transition(purchase_id=solving.pk, to=S.SUBMITTED, solutions=SECRETS)[0]


@pytest.mark.parametrize("webhook_said", [True, False])
def test_an_answer_the_webhook_already_applied_is_read_and_changes_nothing(
    scripted, submitted, webhook_said
):
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": webhook_said}))
    purchase_apply_verdict(purchase_id=submitted.pk, valid=webhook_said, source="webhook")

    with CaptureQueriesContext(connection) as queries:
        flow._submit(submitted, SECRETS, source="synchronous answer")

    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    assert "FOR UPDATE" not in queries.captured_queries[0]["sql"]
    final = S.VALIDATED if webhook_said else S.REJECTED
    history = [e.to_status for e in Purchase.objects.get(pk=submitted.pk).history.all()]
    assert history.count(final) == 1


def test_an_answer_that_comes_first_applies_the_verdict(scripted, submitted):
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": True}))

    flow._submit(submitted, SECRETS, source="synchronous answer")

    assert Purchase.objects.get(pk=submitted.pk).status == S.VALIDATED
