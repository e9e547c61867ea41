"""A buyer's emails speak the language chosen on the account page (accounts), whatever
language the site was in when buying; with no choice made, the purchase's language."""

import pytest

from payments.delivery import services
from payments.models import PurchaseStatus

S = PurchaseStatus
pytestmark = pytest.mark.django_db


def _choose_language(client, user, language: str) -> None:
    client.force_login(user)
    response = client.post("/accounts/", {"email": user.email, "language": language})
    assert response.status_code == 302


def test_an_email_sent_after_choosing_english_is_in_english(
    client, buyer, make_purchase, mailoutbox
):
    _choose_language(client, buyer, "en")
    purchase = make_purchase(S.REJECTED, language="es")  # bought on the Spanish site

    assert services.purchase_deliver(purchase_id=purchase.pk) == "refunded"

    [message] = mailoutbox
    assert message.subject.startswith("Productora Andes: your money was refunded")
    assert "Hello María José Peña," in message.body


def test_choosing_spanish_wins_over_a_purchase_made_in_english(
    client, buyer, make_purchase, mailoutbox
):
    _choose_language(client, buyer, "es")
    purchase = make_purchase(S.REJECTED, language="en")

    services.purchase_deliver(purchase_id=purchase.pk)

    [message] = mailoutbox
    assert message.subject.startswith("Productora Andes: te devolvimos tu dinero")
    assert "Hello" not in message.body


def test_without_a_choice_the_email_follows_the_purchases_language(make_purchase, mailoutbox):
    purchase = make_purchase(S.REJECTED, language="en")

    services.purchase_deliver(purchase_id=purchase.pk)

    [message] = mailoutbox
    assert message.subject.startswith("Productora Andes: your money was refunded")
