"""The live pipeline (real RQ workers, master, clock) against a partial exchange: a scripted
HTTP server in front of the reference exchange answers 429 with Retry-After, a payment
answer that is not JSON, `"valid": "false"` and a 404 for the status extension; everything
else goes through. Every purchase still ends validated, and nothing is refunded twice."""

import pytest

from events.models import Event
from payments.models import PurchaseStatus
from payments.services import purchase_create
from payments.tests.conftest import assert_books_balance
from payments.tests.scripted_exchange import FORWARD, Answer, ScriptedExchange
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]
S = PurchaseStatus


@pytest.fixture
def partial_exchange(stack, settings):
    proxy = ScriptedExchange(upstream=stack.exchange.url)
    settings.EXCHANGE_URL = proxy.url
    stack.processes.env["EXCHANGE_URL"] = proxy.url  # the workers and the clock too
    yield proxy
    proxy.stop()


def test_a_partial_exchange_still_ends_every_purchase_validated(stack, partial_exchange, make_user):
    partial_exchange.answer(
        "POST", "/payments",
        Answer(429, {"message": "slow down"}, {"Retry-After": "1"}),
        Answer(200, b"<html>upstream timeout</html>", {"Content-Type": "text/html"}),
        FORWARD,
    )  # fmt: skip
    partial_exchange.answer(
        "POST", "/challenges/solution", Answer(200, {"valid": "false"}), FORWARD
    )
    no_extension = Answer(404, b"Not Found", {"Content-Type": "text/plain"})
    partial_exchange.answer("GET", "/payments/", no_extension)
    buyer = make_user()
    wallet_deposit(wallet_id=buyer.wallet.pk, amount=1_000_000)
    event = Event.objects.order_by("-available").first()
    stack.processes.jobs_worker()
    stack.processes.clock()
    stack.processes.challenge_worker("w1")

    purchases = [purchase_create(user=buyer, event_pk=event.pk, quantity=1) for _ in range(3)]

    for purchase in purchases:
        assert stack.wait_final(purchase.pk, timeout=60).status == S.VALIDATED
    assert len(partial_exchange.calls("POST", "/payments")) >= 3  # each scripted fault was served
    assert len(partial_exchange.calls("POST", "/challenges/solution")) >= 2
    assert_books_balance()
