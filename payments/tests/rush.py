"""An on-sale rush through the waiting room, over real HTTP: buyers at once, each its own user
and thread, join the line, poll it at the pace it asks (`retry_after`), and buy with their
admission token once admitted."""

import threading
import time
from dataclasses import dataclass, field

import requests
from rest_framework.authtoken.models import Token

from events.models import Event
from payments.models import Purchase
from wallet.services import wallet_deposit

RATE = 20.0  # admissions per second once everyone is in line: the line takes about 5 s
WITHIN = 120  # seconds any one wait of the test may last


@dataclass
class Buyer:
    token: str
    joined: int | None = None  # HTTP status of the join
    place: int | None = None  # position when joining
    polls: list[tuple[float, float, bool]] = field(default_factory=list)  # sent, received, in
    bought: int | None = None  # HTTP status of the purchase
    purchase_id: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def last_wait_sent(self) -> float:
        return max((sent for sent, _, admitted in self.polls if not admitted), default=0.0)

    @property
    def first_admitted_received(self) -> float:
        return min((got for _, got, admitted in self.polls if admitted), default=float("inf"))


def rush_buyers(make_user, count: int, settings) -> list[Buyer]:
    # A hundred users: a slow password hash would cost half a minute and prove nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    buyers = []
    for _ in range(count):
        user = make_user()
        wallet_deposit(wallet_id=user.wallet.pk, amount=1_000_000)
        buyers.append(Buyer(token=Token.objects.create(user=user).key))
    return buyers


def rush_run(base_url: str, event: Event, buyers: list[Buyer], settings) -> None:
    """All join at once while the room admits nobody; then admission opens at RATE and
    each buyer polls until admitted and buys."""
    queue_url = f"{base_url}/api/v1/events/{event.pk}/queue/"
    start, joined_all = threading.Barrier(len(buyers) + 1), threading.Barrier(len(buyers) + 1)
    go = threading.Event()

    def run(buyer: Buyer):
        http = requests.Session()
        http.headers["Authorization"] = f"Token {buyer.token}"
        try:
            start.wait(timeout=WITHIN)
            answer = http.post(queue_url, timeout=WITHIN)
            buyer.joined, buyer.place = answer.status_code, answer.json().get("position")
            joined_all.wait(timeout=WITHIN)
            go.wait(timeout=WITHIN)
            ticket = _wait_admitted(http, queue_url, buyer)
            answer = http.post(
                f"{base_url}/api/v1/purchases/",
                json={"event": event.pk, "quantity": 1},
                headers={"Admission-Token": ticket["admission_token"] or ""},
                timeout=WITHIN,
            )
            buyer.bought, buyer.purchase_id = answer.status_code, answer.json().get("id")
        except Exception as exc:  # kept and asserted on: a refusal or timeout fails the test
            buyer.errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(b,)) for b in buyers]
    for thread in threads:
        thread.start()
    start.wait(timeout=WITHIN)
    joined_all.wait(timeout=WITHIN)
    settings.WAITING_ROOM_RATE = RATE  # the live server runs in this process: it sees this
    go.set()
    for thread in threads:
        thread.join(timeout=WITHIN)


def _wait_admitted(http: requests.Session, queue_url: str, buyer: Buyer) -> dict:
    deadline = time.monotonic() + WITHIN
    while True:
        sent = time.monotonic()
        answer = http.get(queue_url, timeout=WITHIN)
        assert answer.status_code == 200, answer.text
        ticket = answer.json()
        buyer.polls.append((sent, time.monotonic(), ticket["admitted"]))
        if ticket["admitted"] or time.monotonic() > deadline:
            return ticket
        time.sleep(ticket["retry_after"])


def assert_fair_rush(buyers: list[Buyer], event: Event) -> None:
    assert [b.errors for b in buyers if b.errors] == []
    assert {b.joined for b in buyers} == {200}
    # Everyone got a place of their own: the line holds them in arrival order, no gaps.
    assert sorted(b.place for b in buyers) == list(range(1, len(buyers) + 1))
    # Nobody was let in before someone ahead: once a buyer further back had been told
    # "admitted", nobody ahead of them was told "wait" afterwards.
    by_place = sorted(buyers, key=lambda b: b.place)
    for ahead_index, ahead in enumerate(by_place):
        for behind in by_place[ahead_index + 1 :]:
            assert not behind.first_admitted_received < ahead.last_wait_sent, (
                f"place {behind.place} admitted before place {ahead.place}"
            )
    assert {b.bought for b in buyers} == {201}
    assert Purchase.objects.filter(event=event).count() == len(buyers)
    event.refresh_from_db()
    assert event.capacity - event.available == len(buyers)


def line_closed(settings) -> None:
    """Nobody is admitted until the test opens the line (place = arrival number)."""
    settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_BURST = 0.001, 0
