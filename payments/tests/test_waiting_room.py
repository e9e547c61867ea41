"""The waiting room through its API and the purchase API (real PostgreSQL or SQLite, real Redis)."""

import datetime as dt
import math
import time

import pytest
from django.core import signing
from django.utils import timezone

from events.admission_tokens import TOKEN_SALT, admission_token_issue
from payments.models import Purchase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]
BUY = "/api/v1/purchases/"


def queue(event) -> str:
    return f"/api/v1/events/{event.pk}/queue/"


@pytest.fixture
def slow_room(settings):
    """Admission so slow that nobody beyond the first in line gets in during a test."""
    settings.WAITING_ROOM_RATE = 0.001
    settings.WAITING_ROOM_BURST = 0


@pytest.fixture
def rushed(make_event):
    """An event whose room staff switched on for its on-sale, now."""
    return make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))


def _buy(client, event, token=None, **headers):
    if token is not None:
        headers["HTTP_ADMISSION_TOKEN"] = token
    return client.post(BUY, {"event": event.pk, "quantity": 1}, format="json", **headers)


# --- Room off -------------------------------------------------------------------------------


def test_joining_when_the_room_is_off_admits_at_once(client_for, make_event, slow_room):
    event = make_event()
    response = client_for().post(queue(event))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "position", "admitted", "admission_token", "estimated_wait_seconds", "retry_after",
    }  # fmt: skip
    assert (body["position"], body["admitted"], body["estimated_wait_seconds"]) == (0, True, 0)
    assert body["admission_token"]
    assert body["retry_after"] >= 1


def test_buying_without_a_token_works_when_the_room_is_off(client_for, make_event):
    assert _buy(client_for(), make_event()).status_code == 201


def test_a_purchase_with_a_token_also_works_when_the_room_is_off(client_for, make_event):
    client, event = client_for(), make_event()
    token = client.post(queue(event)).json()["admission_token"]
    assert _buy(client, event, token).status_code == 201


# --- Joining and polling --------------------------------------------------------------------


def test_asking_for_a_place_before_joining_is_404(client_for, rushed):
    response = client_for().get(queue(rushed))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("pk", [999999, 10**30])  # the second: more than any column holds
def test_an_unknown_event_has_no_line(client_for, pk):
    client = client_for()
    for answer in (client.post(f"/api/v1/events/{pk}/queue/"),
                   client.get(f"/api/v1/events/{pk}/queue/")):  # fmt: skip
        assert answer.status_code == 404
        assert answer.json()["error"] == {
            "code": "not_found",
            "message": "No existe ese evento.",
            "details": {},
        }  # the shop's default language


def test_the_line_needs_a_logged_in_client(api_client, rushed):
    assert api_client.post(queue(rushed)).status_code == 401


def test_joining_again_and_polling_keep_the_place(client_for, rushed, slow_room):
    first, second = client_for(), client_for()
    assert first.post(queue(rushed)).json()["position"] == 1

    joined = second.post(queue(rushed)).json()
    again = second.post(queue(rushed)).json()
    polled = second.get(queue(rushed)).json()

    assert joined["position"] == again["position"] == polled["position"] == 2
    assert polled["admitted"] is False and polled["admission_token"] is None
    assert polled["estimated_wait_seconds"] >= 2
    assert 1 <= polled["retry_after"] <= 20
    assert first.get(queue(rushed)).json()["position"] == 1


def test_a_waiting_answer_carries_a_retry_after_header(client_for, rushed, slow_room):
    response = client_for().post(queue(rushed))
    assert int(response["Retry-After"]) == response.json()["retry_after"]


def test_a_buyer_near_the_front_is_asked_back_once_at_their_turn(client_for, rushed, settings):
    """Every poll of a rush costs the web what a purchase's step does: a wait of a few
    seconds is one poll, when the turn comes, not one a second."""
    settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_BURST = 1.0, 0
    answers = [client_for().post(queue(rushed)).json() for _ in range(4)]

    waits = [a["estimated_wait_seconds"] for a in answers]
    assert waits == [1, 2, 3, 4], answers
    assert [a["retry_after"] for a in answers] == waits


@pytest.mark.parametrize(
    "wait, retry_after, place",
    [(5, 3, 2), (8, 4, 2), (10, 4, 2), (16, 4, 4), (40, 10, 8), (80, 20, 16)],
)
def test_further_back_a_buyer_polls_at_most_four_times_over_the_wait(
    client_for, rushed, settings, wait, retry_after, place
):
    """Four polls over a long wait (the place in line moves on the page), never more than
    WAITING_ROOM_MAX_RETRY_SECONDS (20) apart."""
    settings.WAITING_ROOM_BURST = 0
    settings.WAITING_ROOM_RATE = place / wait  # the last in line waits `wait` seconds
    answers = [client_for().post(queue(rushed)).json() for _ in range(place)]

    assert answers[-1]["estimated_wait_seconds"] == wait, answers[-1]
    assert answers[-1]["retry_after"] == retry_after


def test_the_line_moves_at_the_rate_in_arrival_order(client_for, rushed, settings):
    settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_BURST = 0.001, 0
    clients = [client_for() for _ in range(3)]
    positions = [c.post(queue(rushed)).json()["position"] for c in clients]
    assert positions == [1, 2, 3]

    settings.WAITING_ROOM_RATE = 4.0  # from now on, four admissions a second
    deadline = time.monotonic() + 10
    while not clients[2].get(queue(rushed)).json()["admitted"]:
        assert time.monotonic() < deadline, "the third in line was never admitted"
        # Asked last in line first: whoever is asked later, and is ahead, must be in already.
        states = [c.get(queue(rushed)).json()["admitted"] for c in reversed(clients)]
        assert states == sorted(states), f"admitted out of order (last first): {states}"
        time.sleep(0.05)
    assert all(c.get(queue(rushed)).json()["admitted"] for c in clients)


def test_a_line_forming_after_a_quiet_spell_is_told_short_waits(client_for, rushed, settings):
    """Nobody waiting for a minute is not a pipeline that admits nobody: the first line after
    it is estimated at the configured rate, so nobody is told to come back 20 s later."""
    import django_rq

    settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_BURST = 2.0, 0
    client_for().post(queue(rushed))
    # A minute later: that one went through long ago, and the last observation (nobody left
    # to admit) was a rate near zero.
    redis = django_rq.get_connection("default")
    through = f"wr:{{{rushed.pk}}}:through"
    redis.hset(through, mapping={"t": 1, "at": time.time() - 60, "r": 0.01})

    answers = [client_for().post(queue(rushed)).json() for _ in range(8)]

    waiting = [a for a in answers if not a["admitted"]]
    assert waiting, "a rate of 2/s keeps some of eight newcomers waiting"
    for answer in waiting:  # told the wait at 2/s, not at the 0.01/s of nobody waiting
        assert answer["estimated_wait_seconds"] <= math.ceil(answer["position"] / 2), answers
        assert answer["retry_after"] <= answer["estimated_wait_seconds"], answers


# --- The purchase gate ----------------------------------------------------------------------


def test_buying_without_a_token_while_the_room_is_on_is_refused(client_for, rushed):
    response = _buy(client_for(), rushed)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "admission_required"
    assert error["details"]["queue_url"] == queue(rushed)
    assert error["details"]["token"] == "missing"
    assert not Purchase.objects.exists()


def test_an_admitted_buyer_buys_with_the_token(client_for, rushed):
    client = client_for()
    ticket = client.post(queue(rushed)).json()  # the default burst admits the first at once
    assert ticket["admitted"]

    assert _buy(client, rushed, ticket["admission_token"]).status_code == 201


def test_an_expired_token_is_refused(client_for, rushed):
    client = client_for()
    old = _OldSigner(salt=TOKEN_SALT).sign_object({"u": client.user.pk, "e": rushed.pk})

    response = _buy(client, rushed, old)

    assert response.status_code == 409
    assert response.json()["error"]["details"]["token"] == "expired"


def test_a_token_for_another_event_or_user_or_forged_is_refused(client_for, rushed, make_event):
    client, other = client_for(), client_for()
    tokens = [
        admission_token_issue(user_id=client.user.pk, event_pk=make_event().pk),
        admission_token_issue(user_id=other.user.pk, event_pk=rushed.pk),
        admission_token_issue(user_id=client.user.pk, event_pk=rushed.pk)[:-2] + "xx",
    ]
    for token in tokens:
        response = _buy(client, rushed, token)
        assert response.status_code == 409, token
        assert response.json()["error"]["details"]["token"] == "invalid"
    assert not Purchase.objects.exists()


def test_a_retried_purchase_is_answered_even_after_its_token_expired(client_for, rushed):
    client = client_for()
    token = client.post(queue(rushed)).json()["admission_token"]
    first = _buy(client, rushed, token, HTTP_IDEMPOTENCY_KEY="k-1")
    old = _OldSigner(salt=TOKEN_SALT).sign_object({"u": client.user.pk, "e": rushed.pk})

    retry = _buy(client, rushed, old, HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]


def test_the_staff_window_ends(client_for, make_event, settings):
    settings.WAITING_ROOM_ON_SALE_SECONDS = 60
    event = make_event(on_sale_at=timezone.now() - dt.timedelta(seconds=61))
    assert _buy(client_for(), event).status_code == 201


# --- The automatic switch -------------------------------------------------------------------


def test_a_burst_of_buy_attempts_switches_the_room_on(client_for, make_event, settings):
    settings.WAITING_ROOM_AUTO_ARRIVALS = 3
    settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_BURST = 0.001, 0
    event = make_event(capacity=100, price=1_000)
    client = client_for(money=5_000_000)
    answers = []
    for _ in range(40):  # well past three in one second, whatever second they fall in
        answers.append(_buy(client, event).status_code)
        if answers[-1] == 409:
            break

    assert answers[-1] == 409 and set(answers[:-1]) <= {201}
    assert _buy(client_for(), event).status_code == 409  # on for everyone now
    newcomer = client_for().post(queue(event)).json()
    assert newcomer["admitted"] is False and newcomer["position"] >= 1


def test_the_automatic_switch_can_be_disabled(client_for, make_event, settings):
    settings.WAITING_ROOM_AUTO_ARRIVALS = 0
    event = make_event(capacity=100, price=1_000)
    client = client_for(money=5_000_000)
    assert {_buy(client, event).status_code for _ in range(10)} == {201}


class _OldSigner(signing.TimestampSigner):
    """Signs as if an hour ago: a real token, long expired."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 3600)
