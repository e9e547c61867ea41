from datetime import UTC, datetime, timedelta, timezone

import pytest

from lambda_pdf.schema import DEFAULT_SELLER_NAME, TicketDataError, parse_ticket


def test_a_complete_payload_becomes_ticket_data(make_payload):
    data = parse_ticket(make_payload(quantity=2))

    assert data.seller_name == DEFAULT_SELLER_NAME
    assert data.purchase_number == "CPE-000123"
    assert data.buyer.email == "mariajose@example.cl"
    assert data.event.starts_at == datetime(
        2026, 12, 26, 21, 0, tzinfo=timezone(timedelta(hours=-3))
    )
    assert (data.quantity, data.unit_price, data.total, data.currency) == (2, 25000, 50000, "CLP")
    assert [t.code for t in data.tickets] == [
        "CPE1.TKT001.q8Zx3Lm0Vb7Ns2Wd5Yh9Kc4Rf6Tg1Pj",
        "CPE1.TKT002.q8Zx3Lm0Vb7Ns2Wd5Yh9Kc4Rf6Tg1Pj",
    ]
    assert data.tickets[0].seat_label is None
    assert data.language == "es"


def test_the_payload_seller_name_wins_over_the_default(make_payload):
    assert parse_ticket(make_payload(), default_seller_name="Grupo 7").seller_name == "Grupo 7"
    data = parse_ticket(make_payload(seller_name="Productora Sur"), default_seller_name="Grupo 7")
    assert data.seller_name == "Productora Sur"


def test_language_defaults_to_spanish_and_accepts_django_codes(make_payload):
    payload = make_payload()
    del payload["language"]
    assert parse_ticket(payload).language == "es"
    assert parse_ticket(make_payload(language="en-us")).language == "en"
    assert parse_ticket(make_payload(language="es_CL")).language == "es"


def test_a_naive_issue_time_is_taken_as_utc(make_payload):
    data = parse_ticket(make_payload(issued_at="2026-11-20T17:03:12"))
    assert data.issued_at == datetime(2026, 11, 20, 17, 3, 12, tzinfo=UTC)


def test_seat_labels_are_kept(make_payload):
    payload = make_payload(quantity=1)
    payload["tickets"][0]["seat_label"] = "Platea B-12"
    assert parse_ticket(payload).tickets[0].seat_label == "Platea B-12"


def _drop(payload: dict, path: str) -> None:
    *parents, leaf = path.replace("[0]", ".0").split(".")
    node = payload
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    del node[leaf]


@pytest.mark.parametrize(
    "field",
    [
        "purchase_id",
        "purchase_number",
        "issued_at",
        "buyer",
        "buyer.name",
        "buyer.email",
        "event",
        "event.name",
        "event.starts_at",
        "event.location",
        "quantity",
        "unit_price",
        "total",
        "tickets",
        "tickets[0].code",
    ],
)
def test_a_missing_field_is_named_in_the_error(make_payload, field):
    payload = make_payload(quantity=1)
    _drop(payload, field)

    with pytest.raises(TicketDataError) as caught:
        parse_ticket(payload)

    assert caught.value.field == field
    assert str(caught.value) == f"{field}: is required"
    assert caught.value.code == "invalid_ticket_data"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"quantity": 0}, "quantity", "at least 1"),
        ({"quantity": "2"}, "quantity", "integer"),
        ({"quantity": True}, "quantity", "integer"),
        ({"unit_price": 25000.0}, "unit_price", "integer"),
        ({"unit_price": -1}, "unit_price", "at least 0"),
        ({"total": 49000}, "total", "unit_price × quantity"),
        ({"currency": "USD"}, "currency", "CLP"),
        ({"language": "fr"}, "language", "es, en"),
        ({"purchase_number": "   "}, "purchase_number", "empty"),
        ({"issued_at": "yesterday"}, "issued_at", "ISO 8601"),
        ({"buyer": "María"}, "buyer", "object"),
        ({"tickets": {"code": "x"}}, "tickets", "list"),
        ({"seller_name": 7}, "seller_name", "string"),
    ],
)
def test_an_invalid_value_is_named_in_the_error(make_payload, overrides, field, words):
    payload = make_payload(quantity=2)
    payload.update(overrides)
    with pytest.raises(TicketDataError) as caught:
        parse_ticket(payload)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_event_start_must_carry_its_utc_offset(make_payload):
    payload = make_payload()
    payload["event"]["starts_at"] = "2026-12-26T21:00:00"
    with pytest.raises(TicketDataError, match=r"event\.starts_at: must include a UTC offset"):
        parse_ticket(payload)


def test_buyer_email_must_look_like_one(make_payload):
    payload = make_payload()
    payload["buyer"]["email"] = "mariajose at example.cl"
    with pytest.raises(TicketDataError, match=r"buyer\.email: is not an email address"):
        parse_ticket(payload)


def test_there_is_one_ticket_code_per_ticket_bought(make_payload):
    payload = make_payload(quantity=3)
    payload["tickets"].pop()
    with pytest.raises(TicketDataError, match=r"tickets: must hold quantity=3 items, not 2"):
        parse_ticket(payload)


def test_ticket_codes_must_differ(make_payload):
    payload = make_payload(quantity=2)
    payload["tickets"][1]["code"] = payload["tickets"][0]["code"]
    with pytest.raises(TicketDataError, match="codes must be unique"):
        parse_ticket(payload)


def test_a_bad_ticket_entry_is_named_by_its_index(make_payload):
    payload = make_payload(quantity=2)
    payload["tickets"][1] = {"code": ""}
    with pytest.raises(TicketDataError, match=r"tickets\[1\]\.code: must not be empty"):
        parse_ticket(payload)


def test_the_payload_must_be_an_object():
    with pytest.raises(TicketDataError, match="payload: must be a JSON object"):
        parse_ticket(["not", "a", "dict"])  # type: ignore[arg-type]
