"""`/api/v1/`: a small index of the API (instead of a 404), readable names for the browsable
API's pages, and the schema hook that drops the lock on public operations."""

import re

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# Name → URL name of the endpoints a client starts from (the others are reached from these).
_INDEX = {
    "health": "health",
    "register": "auth-register",
    "token": "auth-token",
    "events": "event-list",
    "wallet": "wallet-detail",
    "wallet_entries": "wallet-entries",
    "wallet_deposits": "wallet-deposit",
    "purchases": "purchase-list",
    "workers_status": "workers-status",
    "schema": "api-schema",
    "docs": "api-docs",
    "redoc": "api-redoc",
}


@extend_schema(
    tags=["health"],
    responses={
        200: inline_serializer("ApiIndex", {name: serializers.URLField() for name in _INDEX})
    },
)
class ApiRootApi(APIView):
    """The API's entry points, as absolute URLs. No log-in needed."""

    permission_classes = [AllowAny]
    authentication_classes = []
    view_name = "API v1"

    def get(self, request):
        return Response({name: reverse(url, request=request) for name, url in _INDEX.items()})


_VERB_WORDS = {"Api", "Create", "Retrieve"}


def view_name(view) -> str:
    """ "PurchaseListCreateApi" → "Purchases", "WalletDetailApi" → "Wallet",
    "WorkersStatusApi" → "Workers status": what the browsable API shows as the page title."""
    explicit = getattr(view, "view_name", None)
    if explicit:
        return str(explicit)
    cls = view if isinstance(view, type) else type(view)
    words = [w for w in re.findall(r"[A-Z][a-z]*", cls.__name__) if w not in _VERB_WORDS]
    if words and words[-1] == "List":
        words = words[:-1]
        words[-1] = re.sub(r"y$", "ie", words[-1]) + "s"
    if words and words[-1] == "Detail":
        words = words[:-1]
    if not words:
        return "API"
    name = " ".join(words)
    return name[0] + name[1:].lower()


def public_operations_without_lock(result, generator, request, public):
    """A public operation (anonymous allowed: `{}` among its security alternatives) is
    written with `security: []`, so Swagger UI shows no lock on it."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and {} in operation.get("security", []):
                operation["security"] = []
    return result
