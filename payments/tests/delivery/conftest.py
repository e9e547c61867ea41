"""Fixtures for ticket delivery: purchases in any state, a real RQ worker, media and email
folders per test, the delivery URLs and the delivery translations."""

from pathlib import Path

import django_rq
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from rq.worker import SimpleWorker

from payments.models import PurchaseStatus
from payments.services import purchase_create, purchase_transition
from wallet.services import wallet_deposit

S = PurchaseStatus
DELIVERY_LOCALE = Path(__file__).resolve().parents[2] / "delivery" / "locale"
PATHS = {
    S.VALIDATED: [S.SOLVING, S.SUBMITTED, S.VALIDATED],
    S.SUBMITTED: [S.SOLVING, S.SUBMITTED],
    S.REJECTED: [S.SOLVING, S.SUBMITTED, S.REJECTED],
    S.EXPIRED: [S.SOLVING, S.EXPIRED],
    S.RESERVED: [],
}


def _compile_delivery_catalogues() -> None:
    for po_path in DELIVERY_LOCALE.glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


@pytest.fixture(autouse=True)
def delivery_setup(settings, tmp_path):
    """Delivery's URLs and translations (harmless once the project includes them), and
    a private media folder and email folder per test."""
    _compile_delivery_catalogues()
    settings.ROOT_URLCONF = "payments.tests.delivery.urls"
    if DELIVERY_LOCALE.is_dir() and str(DELIVERY_LOCALE) not in map(str, settings.LOCALE_PATHS):
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, DELIVERY_LOCALE]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_FILE_PATH = tmp_path / "emails"
    settings.TICKET_BACKEND = "local"
    settings.SELLER_NAME = "Productora Andes"
    settings.SITE_URL = "https://tickets.example.cl"
    settings.TICKET_CODE_SECRET = "test-ticket-code-secret"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users


@pytest.fixture
def queue(redis_flushed):
    return django_rq.get_queue("default")


@pytest.fixture
def run_worker(queue):
    """Drain the default queue with a real (non-forking) RQ worker."""

    def run() -> None:
        worker = django_rq.get_worker("default", worker_class=SimpleWorker)
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
            user=user, event_id=event.pk, quantity=quantity, language=language
        )
        for to in PATHS[status]:
            purchase, _ = purchase_transition(purchase_id=purchase.pk, to=to, reason="test")
        django_rq.get_queue("default").empty()
        return purchase

    return make
