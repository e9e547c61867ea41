"""The waiting room through the pages: the event page sends buyers to the line, the line's
page shows the place and, once admitted, a buy form carrying the admission token."""

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments.models import Purchase
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]


@pytest.fixture
def browser_for(make_user):
    def make() -> Client:
        user = make_user()
        wallet_deposit(wallet_id=user.wallet.pk, amount=500_000)
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def rushed(make_event):
    return make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))


def _buy_form(event, token, admission_token=None) -> dict:
    form = {"quantity": "1", "token": str(token)}
    if admission_token:
        form["admission_token"] = admission_token
    return form


def test_the_event_page_offers_the_line_instead_of_the_buy_form(browser_for, rushed):
    page = browser_for().get(rushed.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="join-line"' in html
    assert 'data-testid="buy-form"' not in html


def test_the_event_page_keeps_the_plain_buy_form_when_the_room_is_off(browser_for, make_event):
    html = browser_for().get(make_event().get_absolute_url()).content.decode()
    assert 'data-testid="buy-form"' in html
    assert 'data-testid="join-line"' not in html


def test_join_through_the_page_wait_get_admitted_and_buy(browser_for, rushed, settings):
    settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_BURST = 0.001, 0
    ahead, buyer = browser_for(), browser_for()
    queue = reverse("events:queue", args=[rushed.pk])
    ahead.post(queue)

    joined = buyer.post(queue)
    assert joined.status_code == 302 and joined["Location"] == queue
    waiting = buyer.get(queue).content.decode()
    assert 'data-testid="queue-position">2<' in waiting
    assert 'data-testid="buy-form"' not in waiting
    assert "Tu lugar en la fila" in waiting  # Spanish, the shop's default language
    assert buyer.get(queue).content.decode().count('queue-position">2<') == 1  # a reload keeps it

    settings.WAITING_ROOM_RATE = 1000.0  # the line moves on
    admitted = buyer.get(queue)
    html = admitted.content.decode()
    assert 'data-testid="admitted"' in html and 'data-testid="buy-form"' in html
    token = admitted.context["ticket"].admission_token
    assert f'name="admission_token" value="{token}"' in html

    bought = buyer.post(
        reverse("payments:create", args=[rushed.pk]),
        _buy_form(rushed, admitted.context["buy_token"], token),
    )
    purchase = Purchase.objects.get()
    assert bought["Location"] == purchase.get_absolute_url()


def test_the_buy_form_without_admission_goes_back_to_the_line(browser_for, rushed):
    response = browser_for().post(
        reverse("payments:create", args=[rushed.pk]), _buy_form(rushed, uuid.uuid4())
    )
    assert response["Location"] == reverse("events:queue", args=[rushed.pk])
    assert not Purchase.objects.exists()


def test_the_line_page_before_joining_offers_to_join(browser_for, rushed):
    html = browser_for().get(reverse("events:queue", args=[rushed.pk])).content.decode()
    assert 'data-testid="join-line"' in html


def test_the_line_page_asks_for_a_log_in(rushed):
    response = Client().get(reverse("events:queue", args=[rushed.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
