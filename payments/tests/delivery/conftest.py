"""Fixtures for ticket delivery: purchases in any state, a real RQ worker, media and email
folders per test."""

import django_rq
import pytest
from rq.worker import SimpleWorker

from payments.models import PurchaseStatus
from payments.services import purchase_create, purchase_transition
from wallet.services import wallet_deposit

S = PurchaseStatus
PATHS = {
    S.VALIDATED: [S.SOLVING, S.SUBMITTED, S.VALIDATED],
    S.SUBMITTED: [S.SOLVING, S.SUBMITTED],
    S.REJECTED: [S.SOLVING, S.SUBMITTED, S.REJECTED],
    S.EXPIRED: [S.SOLVING, S.EXPIRED],
    S.RESERVED: [],
}


@pytest.fixture(autouse=True)
def delivery_setup(settings, tmp_path):
    """A private media folder and email folder per test, and known delivery settings."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_FILE_PATH = tmp_path / "emails"
    settings.TICKET_BACKEND = "local"
    settings.SELLER_NAME = "Productora Andes"
    settings.SITE_URL = "https://tickets.example.cl"
    settings.TICKET_CODE_SECRET = "test-ticket-code-secret"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users


@pytest.fixture
def queue(redis_flushed):
    return django_rq.get_queue("delivery")


@pytest.fixture
def run_worker(queue):
    """Drain the default queue with a real (non-forking) RQ worker."""

    def run() -> None:
        worker = django_rq.get_worker("delivery", worker_class=SimpleWorker)
        worker.work(burst=True, logging_level="WARNING")

    return run


@pytest.fixture
def buyer(make_user):
    return make_user(first_name="María José", last_name="Peña", email="mariajose@example.cl")


@pytest.fixture
def make_purchase(buyer, make_event):
    """A purchase of `quantity` tickets at $25.000 moved to `status` through the real
    state machine. Whatever its creation queued (the payment request) is dropped."""

    def make(
        status: str = S.VALIDATED,
        *,
        user=None,
        quantity: int = 2,
        price: int = 25_000,
        language: str = "es",
        event=None,
    ):
        user = user or buyer
        wallet_deposit(wallet_id=user.wallet.pk, amount=price * quantity)
        event = event or make_event(
            name="Los Bunkers en el Caupolicán",
            location="Teatro Caupolicán, Santiago",
            price=price,
        )
        purchase = purchase_create(
            user=user, event_pk=event.pk, quantity=quantity, language=language
        )
        for to in PATHS[status]:
            purchase, _ = purchase_transition(purchase_id=purchase.pk, to=to, reason="test")
        django_rq.get_queue("delivery").empty()
        return purchase

    return make
