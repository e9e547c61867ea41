import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from events.models import Event
from events.services import events_sync_from_exchange
from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_create
from payments.tests.scripted_exchange import ScriptedExchange
from payments.tests.solving import purchase_to_solving
from payments.tests.stack import MasterServer, Processes, test_database_url, wait_for
from wallet.models import LedgerEntry, Wallet
from wallet.services import wallet_deposit

FINAL = {PurchaseStatus.VALIDATED, PurchaseStatus.REJECTED, PurchaseStatus.EXPIRED}


class Stack:
    """Handles and helpers of a live pipeline (see `stack.py`)."""

    def __init__(self, exchange, master, processes, live_server):
        self.exchange, self.master, self.processes = exchange, master, processes
        self.web_url = live_server.url

    def switches(self, **changes):
        return self.exchange.exchange.switches_update(changes=changes)

    def wait_final(self, purchase_id, timeout: float = 30) -> Purchase:
        def final():
            purchase = Purchase.objects.get(pk=purchase_id)
            return purchase if purchase.status in FINAL else None

        try:
            return wait_for(final, timeout=timeout, what=f"purchase {purchase_id} to finish")
        except AssertionError:
            print(self.processes.logs())
            raise

    def wait_workers(self, count: int, timeout: float = 30) -> None:
        from payments.master_client import workers_status

        wait_for(lambda: workers_status().workers == count, timeout=timeout, every=0.2,
                 what=f"{count} live workers")  # fmt: skip

    def group_wallet(self) -> int:
        return self.exchange.exchange.wallet_get(group_id=20)["balance"]


def assert_books_balance() -> None:
    """Invariants 1-3: money and seats add up, whatever happened."""
    deposited = LedgerEntry.objects.filter(kind="deposit").aggregate(s=Sum("amount"))["s"] or 0
    balances = Wallet.objects.aggregate(s=Sum("balance"))["s"] or 0
    kept = Purchase.objects.exclude(status__in=[PurchaseStatus.REJECTED, PurchaseStatus.EXPIRED])
    spent = kept.aggregate(s=Sum("amount"))["s"] or 0
    assert balances + spent == deposited
    assert not Wallet.objects.filter(balance__lt=0).exists()
    for wallet in Wallet.objects.all():
        assert wallet.balance == (wallet.entries.aggregate(s=Sum("amount"))["s"] or 0)
    for event in Event.objects.all():
        sold = kept.filter(event=event).aggregate(s=Sum("quantity"))["s"] or 0
        assert sold + event.available == event.capacity
    refunded = Purchase.objects.filter(status__in=[PurchaseStatus.REJECTED, PurchaseStatus.EXPIRED])
    for purchase in refunded:
        assert LedgerEntry.objects.filter(idempotency_key=f"refund:{purchase.pk}").count() == 1


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def scripted(settings):
    """A small real HTTP exchange that answers what each test scripts (payments/tests)."""
    server = ScriptedExchange()
    settings.EXCHANGE_URL = server.url
    settings.EXCHANGE_RETRY_BUDGET_SECONDS = 1.0
    yield server
    server.stop()


@pytest.fixture
def buyer(make_user):
    """A buyer with money for many purchases (a test file may define a poorer one)."""
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=1_000_000)
    return user


@pytest.fixture
def solving(make_user, make_event) -> Purchase:
    """A purchase brought to SOLVING by hand (payments/tests/solving.py), its buyer paid up."""
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=100_000)
    return purchase_to_solving(
        purchase_create(user=user, event_pk=make_event(price=10_000).pk, quantity=1)
    )


@pytest.fixture
def event():
    """The synced event with the most seats left (the stack syncs the exchange's catalogue)."""
    return Event.objects.order_by("-available").first()


@pytest.fixture
def stack(request, live_server, settings, redis_flushed, tmp_path, exchange):
    settings.SOLVER_BACKEND = "python"
    settings.MEDIA_ROOT = tmp_path / "media"  # the web serves what the jobs worker stored
    master = MasterServer()
    settings.MASTER_URL = master.url
    exchange.exchange.switches_update(
        changes={"webhook_url": f"{live_server.url}/api/v1/exchange/validations/"}
    )
    events_sync_from_exchange()
    env = {
        **__import__("os").environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EXCHANGE_URL": exchange.url,
        "MASTER_URL": master.url,
        "SOLVER_BACKEND": "python",
        "VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "WORKER_ALIVE_TTL": "2",
        "CLOCK_RECONCILE_SECONDS": "0.5",
        "PURCHASE_STALE_SECONDS": "3",
        "PURCHASE_EXPIRE_GRACE_SECONDS": "1",
        # Tickets still give way to purchases in flight, but a test waits seconds, not 30.
        "DELIVERY_GIVE_WAY_MAX_SECONDS": "2",
        "LOG_LEVEL": "INFO",
    }
    processes = Processes(env)
    handle = Stack(exchange, master, processes, live_server)
    try:
        yield handle
    finally:
        processes.stop_all()
        master.stop()
        if getattr(request.node, "call_failed", False):
            print(processes.logs())  # the workers' side of the story


@pytest.fixture
def client_for(make_user):
    def make(money: int = 500_000) -> APIClient:
        """An API client for a new buyer with `money` (`client.user` is the buyer)."""
        user = make_user()
        wallet_deposit(wallet_id=user.wallet.pk, amount=money)
        client = APIClient()
        client.force_authenticate(user)
        client.user = user
        return client

    return make
