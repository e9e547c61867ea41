"""The buy form: what the pages offer is what the purchase view accepts."""

import uuid

from events.forms import BuyForm, buy_quantities


def test_the_form_offers_up_to_the_per_purchase_limit_or_the_seats_left(settings):
    settings.PURCHASE_MAX_QUANTITY = 4

    assert list(buy_quantities(available=50)) == [1, 2, 3, 4]
    assert list(buy_quantities(available=2)) == [1, 2]
    assert list(buy_quantities(available=0)) == [1]  # the service answers "sold out"


def test_the_form_refuses_a_quantity_it_did_not_offer(settings):
    settings.PURCHASE_MAX_QUANTITY = 4
    token = str(uuid.uuid4())

    assert BuyForm({"quantity": "2", "token": token}, available=2).is_valid()
    assert not BuyForm({"quantity": "3", "token": token}, available=2).is_valid()
    assert not BuyForm({"quantity": "5", "token": token}, available=50).is_valid()
