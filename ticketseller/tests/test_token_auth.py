"""The API's token authentication: DRF's rules, read in two prepared statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from ticketseller.api.token_auth import TokenAuthentication

pytestmark = pytest.mark.django_db


def _authenticate(key: str):
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    return TokenAuthentication().authenticate(request)


def test_a_valid_token_gives_its_user_and_token_in_two_statements(user):
    token = Token.objects.create(user=user)

    with CaptureQueriesContext(connection) as queries:
        found_user, found_token = _authenticate(token.key)
        assert found_token.user is found_user  # no third query: cached as select_related does

    assert (found_user.pk, found_token.key) == (user.pk, token.key)
    assert len(queries) == 2


def test_an_unknown_token_is_refused(user):
    Token.objects.create(user=user)

    with override("en"), pytest.raises(AuthenticationFailed, match=r"^Invalid token\.$"):
        _authenticate("0" * 40)
    with pytest.raises(AuthenticationFailed, match=r"^Token inválido\.$"):  # DRF's translation
        _authenticate("0" * 40)


def test_an_inactive_users_token_is_refused(user):
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()

    with override("en"), pytest.raises(AuthenticationFailed, match=r"^User inactive or deleted\.$"):
        _authenticate(token.key)


def test_the_api_answers_an_unknown_token_with_401_in_the_error_shape(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    answer = api_client.post("/api/v1/purchases/", {"event": 1, "quantity": 1}, format="json")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] in ("authentication_failed", "not_authenticated")
