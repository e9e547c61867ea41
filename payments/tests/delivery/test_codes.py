import uuid

import pytest

from payments.delivery.codes import ticket_code_make, ticket_code_parse
from payments.delivery.errors import ForgedTicketCode

PURCHASE = uuid.UUID("8a1f4e9e-1b2c-4d5e-8f90-123456789abc")
SECRET = "s3cret-for-codes"


def _code(index: int = 2, secret: str = SECRET) -> str:
    return ticket_code_make(purchase_id=PURCHASE, index=index, secret=secret)


def test_a_code_round_trips_to_its_purchase_and_ticket():
    code = _code(index=3)

    assert code.startswith(f"CPE1.{PURCHASE.hex.upper()}.3.")
    assert ticket_code_parse(code, secret=SECRET) == (PURCHASE, 3)


def test_each_ticket_of_a_purchase_has_its_own_code():
    codes = {_code(index=i) for i in range(1, 11)}
    assert len(codes) == 10


def test_a_code_typed_in_lower_case_or_in_groups_is_still_read():
    code = _code()
    typed = " ".join(code.lower()[i : i + 8] for i in range(0, len(code), 8))
    assert ticket_code_parse(typed, secret=SECRET) == (PURCHASE, 2)


def test_a_code_uses_only_qr_alphanumeric_characters():
    allowed = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert set(_code()) <= allowed


def _flip_last(code: str) -> str:
    return code[:-1] + ("A" if code[-1] != "A" else "B")


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(_flip_last, id="changed hmac"),
        pytest.param(lambda c: c.replace(".2.", ".3.", 1), id="changed index"),
        pytest.param(
            lambda c: c.replace(PURCHASE.hex.upper(), uuid.uuid4().hex.upper()), id="other purchase"
        ),
        pytest.param(lambda c: _code(secret="someone-elses-secret"), id="other secret"),
        pytest.param(lambda c: c.rsplit(".", 1)[0], id="no hmac"),
        pytest.param(lambda c: c.replace("CPE1", "CPE2"), id="other version"),
        pytest.param(lambda c: c.replace(".2.", ".02.", 1), id="index with a leading zero"),
        pytest.param(lambda c: "", id="empty"),
        pytest.param(lambda c: "https://example.com/?q=" + c, id="wrapped in a url"),
    ],
)
def test_a_forged_code_is_refused(forge):
    with pytest.raises(ForgedTicketCode):
        ticket_code_parse(forge(_code()), secret=SECRET)


def test_codes_follow_the_configured_secret(settings):
    settings.TICKET_CODE_SECRET = "first"
    code = ticket_code_make(purchase_id=PURCHASE, index=1)
    settings.TICKET_CODE_SECRET = "rotated"
    with pytest.raises(ForgedTicketCode):
        ticket_code_parse(code)
