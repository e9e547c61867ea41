"""Staff check tickets at the door: the first scan is recorded, later ones are refused."""

import pytest

from payments.delivery.codes import ticket_code_make
from payments.delivery.models import CheckIn
from payments.models import PurchaseStatus

pytestmark = pytest.mark.django_db
S = PurchaseStatus
URL = "/staff/check-in/"


@pytest.fixture
def door(client, make_user):
    """A door staff member's browser: in the "Door staff" group, no admin access."""
    from django.contrib.auth.models import Group, Permission

    # The migration creates this group; a transactional test elsewhere may have flushed it.
    group, _ = Group.objects.get_or_create(name="Door staff")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="add_checkin")
    )
    porter = make_user("portero", first_name="Pedro")
    porter.groups.add(group)
    client.force_login(porter)
    return client


def _scan(client, code: str):
    response = client.post(URL, {"code": code})
    assert response.status_code == 200
    return response


def _outcome(response) -> str:
    return response.context["result"]["outcome"]


def test_the_page_offers_a_focused_code_field(door):
    response = door.get(URL)

    assert response.status_code == 200
    assert b'data-testid="check-in-code"' in response.content
    assert b"autofocus" in response.content


def test_a_valid_ticket_is_let_in_once_and_recorded(door, make_purchase):
    purchase = make_purchase(S.VALIDATED, quantity=3)
    code = ticket_code_make(purchase_id=purchase.pk, index=2)

    response = _scan(door, code)

    assert _outcome(response) == "valid"
    html = response.content.decode()
    assert 'data-outcome="valid"' in html
    assert purchase.short_number in html
    assert "Los Bunkers en el Caupolicán" in html
    assert "María José Peña" in html
    assert "Entrada 2 de 3" in html
    check_in = CheckIn.objects.get()
    assert (check_in.purchase_id, check_in.ticket_index) == (purchase.pk, 2)
    assert check_in.checked_in_by.username == "portero"


def test_a_second_scan_says_already_checked_in_with_when_and_by_whom(door, make_purchase):
    purchase = make_purchase(S.VALIDATED, quantity=2)
    code = ticket_code_make(purchase_id=purchase.pk, index=1)
    _scan(door, code)

    again = _scan(door, code.lower())  # typed by hand this time

    assert _outcome(again) == "already"
    html = again.content.decode()
    assert 'data-outcome="already"' in html
    assert "por portero" in html  # "Registrada por primera vez el … por portero."
    assert CheckIn.objects.count() == 1
    # The other ticket of the same purchase is still good.
    assert _outcome(_scan(door, ticket_code_make(purchase_id=purchase.pk, index=2))) == "valid"


def test_a_forged_code_is_refused_and_nothing_is_recorded(door, make_purchase):
    purchase = make_purchase(S.VALIDATED)
    genuine = ticket_code_make(purchase_id=purchase.pk, index=1)
    forged = [
        genuine[:-1] + ("A" if genuine[-1] != "A" else "B"),
        genuine.replace(".1.", ".2.", 1),
        ticket_code_make(purchase_id=purchase.pk, index=1, secret="guessed-secret"),
        "CPE-" + purchase.pk.hex[:8],
    ]

    assert [_outcome(_scan(door, code)) for code in forged] == ["forged"] * 4
    assert not CheckIn.objects.exists()


def test_a_genuine_code_beyond_the_purchase_is_unknown(door, make_purchase):
    purchase = make_purchase(S.VALIDATED, quantity=2)

    response = _scan(door, ticket_code_make(purchase_id=purchase.pk, index=3))

    assert _outcome(response) == "unknown"
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.REJECTED, S.EXPIRED])
def test_a_ticket_of_a_purchase_not_validated_is_refused(door, make_purchase, status):
    purchase = make_purchase(status)

    response = _scan(door, ticket_code_make(purchase_id=purchase.pk, index=1))

    assert _outcome(response) == "not_validated"
    assert purchase.short_number in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_visitor_is_sent_to_the_shop_login_and_a_buyer_is_refused(
    client, make_user, make_purchase
):
    purchase = make_purchase(S.VALIDATED)
    code = ticket_code_make(purchase_id=purchase.pk, index=1)

    anonymous = client.post(URL, {"code": code})
    client.force_login(make_user())
    buyer = client.post(URL, {"code": code})
    client.force_login(make_user("staffer", is_staff=True))
    staff_without_the_permission = client.post(URL, {"code": code})

    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/accounts/login/?next={URL}"
    assert buyer.status_code == 403
    assert staff_without_the_permission.status_code == 403
    assert not CheckIn.objects.exists()


def test_door_staff_need_no_admin_access_and_see_the_page_in_the_menu(door):
    page = door.get("/events/").content.decode()

    assert 'data-testid="nav-check-in"' in page
    assert door.get("/admin/").status_code == 302  # not staff: the admin's log-in


def test_a_superuser_may_check_in_too(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@x.cl", "pw-123456x"))
    assert client.get(URL).status_code == 200
