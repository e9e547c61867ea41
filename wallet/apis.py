from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketseller.api.errors import ErrorSerializer
from ticketseller.api.fields import WholeNumberField
from ticketseller.api.idempotency import idempotency_key_from
from ticketseller.api.serializers import ModelSerializer, Serializer
from wallet.models import LedgerEntry
from wallet.selectors import wallet_entries, wallet_get_for_user
from wallet.services import wallet_deposit

_ERRORS = {401: ErrorSerializer, 429: ErrorSerializer}


class WalletSerializer(Serializer):
    balance = serializers.IntegerField()
    currency = serializers.CharField(default="CLP")


class LedgerEntrySerializer(ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "amount", "balance_after", "reference", "created_at"]


class DepositInputSerializer(Serializer):
    amount = WholeNumberField(help_text="Whole CLP, a JSON integer.")


class DepositOutputSerializer(Serializer):
    balance = serializers.IntegerField()
    entry = LedgerEntrySerializer()


@extend_schema(tags=["wallet"], responses={200: WalletSerializer, **_ERRORS})
class WalletDetailApi(APIView):
    """The logged-in user's balance. There is no way to read anybody else's."""

    def get(self, request):
        wallet = wallet_get_for_user(user=request.user)
        return Response({"balance": wallet.balance, "currency": "CLP"})


@extend_schema(
    tags=["wallet"],
    responses={200: LedgerEntrySerializer(many=True), 404: ErrorSerializer, **_ERRORS},
)
class WalletEntryListApi(generics.ListAPIView):
    """The user's movements, newest first."""

    serializer_class = LedgerEntrySerializer

    def get_queryset(self):
        return wallet_entries(wallet=wallet_get_for_user(user=self.request.user))


@extend_schema(
    tags=["wallet"],
    request=DepositInputSerializer,
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            str,
            OpenApiParameter.HEADER,
            description="Optional. The same key again returns the first answer and moves "
            "money once; the same key with another amount is a 409.",
        )
    ],
    responses={
        201: DepositOutputSerializer,
        400: OpenApiResponse(ErrorSerializer, "Invalid amount or key."),
        409: OpenApiResponse(ErrorSerializer, "Idempotency-Key reused with another body."),
        **_ERRORS,
    },
)
class WalletDepositApi(APIView):
    def post(self, request):
        key = idempotency_key_from(request)
        data = DepositInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = wallet_deposit(
            wallet_id=wallet_get_for_user(user=request.user).pk,
            amount=data.validated_data["amount"],
            reference="API deposit",
            idempotency_key=f"api:{key}" if key else None,
        )
        body = {"balance": entry.balance_after, "entry": LedgerEntrySerializer(entry).data}
        return Response(body, status=status.HTTP_201_CREATED)
