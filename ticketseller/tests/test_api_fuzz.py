"""Schema fuzzing: every operation of /api/schema/, fed generated (valid and invalid) input
by schemathesis, never answers a 5xx. Runs in-process on the Django WSGI app, against the
real test database, authenticated as a buyer with money and an event on sale."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from ticketseller.wsgi import application
from wallet.services import wallet_create, wallet_deposit

# Loaded at collection: one test per operation. (schemathesis' lazy `from_fixture` loader
# does not work with pytest 9: it rewrites a node attribute pytest no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the handler's close_old_connections would close the
    test's database connection (and its open transaction) after every request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def buyer_token(db, make_user, make_event, settings):
    """A buyer with 1,000,000 CLP and an event with seats; the master is unreachable (a
    refused port answers at once, so the indicator endpoint does not wait for a timeout)."""
    settings.MASTER_URL = "http://127.0.0.1:9"
    user = make_user("fuzzer")
    wallet = wallet_create(user=user)
    wallet_deposit(wallet_id=wallet.pk, amount=1_000_000, reference="fuzz")
    make_event(price=1_000, capacity=50)
    return Token.objects.get_or_create(user=user)[0].key


@schema.parametrize()
@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_no_api_operation_answers_a_server_error(case, buyer_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {buyer_token}"}, checks=[not_a_server_error]
    )
