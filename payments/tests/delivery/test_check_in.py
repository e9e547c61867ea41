"""Staff check tickets at the door of one event, on its day: the first scan is recorded,
later ones, other events' and other days' tickets are refused."""

import datetime as dt

import pytest
from django.utils import timezone

from events.models import Event
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


def _at_noon(days_from_today: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days_from_today)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _move_event(purchase, days_from_today: int = 0):
    """Events on sale are in the future; the door's is today (or another day), moved there
    after the purchase, as the catalogue sync would."""
    Event.objects.filter(pk=purchase.event_id).update(date=_at_noon(days_from_today))
    purchase.event.refresh_from_db()
    return purchase


@pytest.fixture
def door_purchase(make_purchase):
    """A purchase for an event taking place today."""

    def make(status=S.VALIDATED, **kwargs):
        return _move_event(make_purchase(status, **kwargs), 0)

    return make


def _scan(client, code: str, event_pk: int):
    response = client.post(URL, {"code": code, "event": event_pk})
    assert response.status_code == 200
    return response


def _outcome(response) -> str:
    return response.context["result"]["outcome"]


def test_the_page_offers_a_focused_code_field(door, door_purchase):
    door_purchase(S.VALIDATED)

    response = door.get(URL)

    assert response.status_code == 200
    assert b'data-testid="check-in-code"' in response.content
    assert b"autofocus" in response.content


def test_a_valid_ticket_is_let_in_once_and_recorded(door, door_purchase):
    purchase = door_purchase(S.VALIDATED, quantity=3)
    code = ticket_code_make(purchase_id=purchase.pk, index=2)

    response = _scan(door, code, purchase.event_id)

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


def test_a_second_scan_says_already_checked_in_with_when_and_by_whom(door, door_purchase):
    purchase = door_purchase(S.VALIDATED, quantity=2)
    code = ticket_code_make(purchase_id=purchase.pk, index=1)
    _scan(door, code, purchase.event_id)

    again = _scan(door, code.lower(), purchase.event_id)  # typed by hand this time

    assert _outcome(again) == "already"
    html = again.content.decode()
    assert 'data-outcome="already"' in html
    assert "por portero" in html  # "Registrada por primera vez el … por portero."
    assert CheckIn.objects.count() == 1
    # The other ticket of the same purchase is still good.
    second = ticket_code_make(purchase_id=purchase.pk, index=2)
    assert _outcome(_scan(door, second, purchase.event_id)) == "valid"


def test_a_forged_code_is_refused_and_nothing_is_recorded(door, door_purchase):
    purchase = door_purchase(S.VALIDATED)
    genuine = ticket_code_make(purchase_id=purchase.pk, index=1)
    forged = [
        genuine[:-1] + ("A" if genuine[-1] != "A" else "B"),
        genuine.replace(".1.", ".2.", 1),
        ticket_code_make(purchase_id=purchase.pk, index=1, secret="guessed-secret"),
        "CPE-" + purchase.pk.hex[:8],
    ]

    outcomes = [_outcome(_scan(door, code, purchase.event_id)) for code in forged]
    assert outcomes == ["forged"] * 4
    assert not CheckIn.objects.exists()


def test_a_genuine_code_beyond_the_purchase_is_unknown(door, door_purchase):
    purchase = door_purchase(S.VALIDATED, quantity=2)

    response = _scan(door, ticket_code_make(purchase_id=purchase.pk, index=3), purchase.event_id)

    assert _outcome(response) == "unknown"
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.REJECTED, S.EXPIRED])
def test_a_ticket_of_a_purchase_not_validated_is_refused(door, door_purchase, status):
    purchase = door_purchase(status)

    response = _scan(door, ticket_code_make(purchase_id=purchase.pk, index=1), purchase.event_id)

    assert _outcome(response) == "not_validated"
    assert purchase.short_number in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_visitor_is_sent_to_the_shop_login_and_a_buyer_is_refused(
    client, make_user, door_purchase
):
    purchase = door_purchase(S.VALIDATED)
    scan = {"code": ticket_code_make(purchase_id=purchase.pk, index=1), "event": purchase.event_id}

    anonymous = client.post(URL, scan)
    client.force_login(make_user())
    buyer = client.post(URL, scan)
    client.force_login(make_user("staffer", is_staff=True))
    staff_without_the_permission = client.post(URL, scan)

    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/accounts/login/?next={URL}"
    assert buyer.status_code == 403
    assert staff_without_the_permission.status_code == 403
    # The shop's own page says why, in the buyer's language; not the admin's log-in.
    page = buyer.content.decode()
    assert 'data-testid="forbidden"' in page
    assert "No tienes acceso a esta página" in page
    assert "/admin/login" not in page
    assert not CheckIn.objects.exists()


def test_door_staff_need_no_admin_access_and_see_the_page_in_the_menu(door):
    page = door.get("/events/").content.decode()

    assert 'data-testid="nav-check-in"' in page
    assert door.get("/admin/").status_code == 302  # not staff: the admin's log-in


def test_a_superuser_may_check_in_too(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@x.cl", "pw-123456x"))
    assert client.get(URL).status_code == 200


def test_a_ticket_for_another_event_today_is_refused_with_its_event(
    door, door_purchase, make_event
):
    ours = door_purchase(S.VALIDATED)
    other = _move_event(door_purchase(S.VALIDATED, event=make_event(name="Mon Laferte")), 0)

    response = _scan(door, ticket_code_make(purchase_id=other.pk, index=1), ours.event_id)

    assert _outcome(response) == "wrong_event"
    html = response.content.decode()
    assert "Entrada de otro evento" in html
    assert "Mon Laferte" in html
    assert not CheckIn.objects.exists()


def test_a_ticket_of_the_chosen_event_on_another_day_is_refused(door, make_purchase):
    tomorrow = _move_event(make_purchase(S.VALIDATED), 1)

    response = _scan(door, ticket_code_make(purchase_id=tomorrow.pk, index=1), tomorrow.event_id)

    assert _outcome(response) == "wrong_day"
    assert "No es hoy" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_ticket_for_an_event_on_another_day_at_todays_door_is_refused(
    door, door_purchase, make_purchase
):
    today = door_purchase(S.VALIDATED)
    yesterday = _move_event(make_purchase(S.VALIDATED), -1)

    response = _scan(door, ticket_code_make(purchase_id=yesterday.pk, index=1), today.event_id)

    assert _outcome(response) == "wrong_event"
    assert not CheckIn.objects.exists()


def test_the_door_counts_people_in_against_tickets_sold_and_capacity(door, door_purchase):
    purchase = door_purchase(S.VALIDATED, quantity=3)
    code = ticket_code_make(purchase_id=purchase.pk, index=1)

    before = door.get(URL, {"event": purchase.event_id})
    _scan(door, code, purchase.event_id)
    after = _scan(door, code, purchase.event_id)  # the second scan is not counted again

    assert before.context["count"] == {"entered": 0, "sold": 3, "capacity": 100}
    assert after.context["count"] == {"entered": 1, "sold": 3, "capacity": 100}
    assert 'data-testid="check-in-entered">1<' in after.content.decode()


def test_the_page_checks_todays_event_by_default_and_keeps_the_chosen_one(
    door, door_purchase, make_purchase
):
    tomorrow = _move_event(make_purchase(S.VALIDATED), 1)
    today = door_purchase(S.VALIDATED)

    default = door.get(URL)
    chosen = door.get(URL, {"event": tomorrow.event_id})
    after_scan = _scan(door, "nonsense", tomorrow.event_id)

    assert default.context["event"].pk == today.event_id
    assert 'data-testid="check-in-not-today"' not in default.content.decode()
    assert chosen.context["event"].pk == tomorrow.event_id
    assert 'data-testid="check-in-not-today"' in chosen.content.decode()
    assert after_scan.context["event"].pk == tomorrow.event_id
    assert f'name="event" value="{tomorrow.event_id}"' in after_scan.content.decode()


def test_the_service_refuses_a_ticket_when_the_door_is_not_on_the_events_day(door_purchase):
    from payments.delivery.errors import TicketForAnotherDay
    from payments.delivery.services import ticket_check_in

    purchase = door_purchase(S.VALIDATED)
    code = ticket_code_make(purchase_id=purchase.pk, index=1)

    with pytest.raises(TicketForAnotherDay) as refused:
        ticket_check_in(
            code=code,
            staff_user=None,
            event_pk=purchase.event_id,
            today=timezone.localdate() + dt.timedelta(days=1),
        )
    assert refused.value.code == "ticket_wrong_day"
    assert not CheckIn.objects.exists()
