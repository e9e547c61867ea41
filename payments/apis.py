import hashlib
import json
import logging
import uuid
from functools import partial

from django.conf import settings
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from payments import exchange_client, master_client
from payments.admission import purchase_admission_check
from payments.delivery.selectors import ticket_url_for
from payments.models import Purchase, PurchaseStatus
from payments.poll_pacing import purchase_poll_interval
from payments.selectors import (
    purchase_challenges_progress,
    purchase_for_poll,
    purchase_for_verdict,
    purchase_history_load,
    purchase_list_for_user,
    purchase_version,
)
from payments.services import purchase_apply_verdict, purchase_create, verdict_applied
from payments.verdict_hold import VerdictHold
from ticketseller.api.errors import ErrorSerializer, error_body
from ticketseller.api.fields import WholeNumberField
from ticketseller.api.idempotency import idempotency_key_from
from ticketseller.api.prefer import prefer_wait_parameter, requested_wait
from ticketseller.api.serializers import ModelSerializer, Serializer
from ticketseller.api.token_memory import POLL_AUTHENTICATION

log = logging.getLogger(__name__)
_ERRORS = {401: ErrorSerializer, 429: ErrorSerializer}


class PurchaseSerializer(ModelSerializer):
    event = serializers.PrimaryKeyRelatedField(read_only=True)
    challenges = serializers.SerializerMethodField()
    ticket_url = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta:
        model = Purchase
        fields = [
            "id", "event", "quantity", "unit_price", "amount", "status", "challenges",
            "ticket_url", "created_at", "updated_at", "history",
        ]  # fmt: skip

    def get_challenges(self, purchase) -> dict[str, int]:
        return purchase_challenges_progress(purchase=purchase)

    def get_ticket_url(self, purchase) -> str | None:
        return ticket_url_for(purchase, request=self.context.get("request"))

    def get_history(self, purchase) -> list[dict]:
        at = serializers.DateTimeField()  # the same format and time zone as the other dates
        return [
            {"status": e.to_status, "at": at.to_representation(e.created_at)}
            for e in purchase.history.all()
        ]


class PurchaseCreateSerializer(Serializer):
    event = WholeNumberField(help_text="The event's `id`.")
    quantity = WholeNumberField(help_text="Tickets to buy (1 to PURCHASE_MAX_QUANTITY).")


_IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Optional. The same key again returns the first purchase; with another body, 409.",
)
_ADMISSION = OpenApiParameter(
    "Admission-Token",
    str,
    OpenApiParameter.HEADER,
    description="The `admission_token` of the event's waiting room (`/api/v1/events/{id}/queue/`)."
    " Required while the room is on for the event.",
)
_PREFER_WAIT = prefer_wait_parameter(
    "hold the answer until the purchase is final or N seconds pass."
)


@extend_schema(tags=["purchases"])
class PurchaseListCreateApi(generics.ListAPIView):
    serializer_class = PurchaseSerializer

    def get_queryset(self):
        wanted = self.request.query_params.get("status") or None
        if wanted and wanted not in PurchaseStatus.values:
            raise serializers.ValidationError(
                {"status": [f"one of {', '.join(PurchaseStatus.values)}"]}
            )
        return purchase_list_for_user(user=self.request.user, status=wanted, with_event=False)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=PurchaseStatus.values)],
        responses={
            200: PurchaseSerializer(many=True),
            400: ErrorSerializer,
            404: ErrorSerializer,
            **_ERRORS,
        },
    )
    def get(self, request, *args, **kwargs):
        """The user's purchases, newest first."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=PurchaseCreateSerializer,
        parameters=[_IDEMPOTENCY, _ADMISSION, _PREFER_WAIT],
        responses={
            201: PurchaseSerializer,
            400: OpenApiResponse(ErrorSerializer, "Invalid quantity or key."),
            402: OpenApiResponse(ErrorSerializer, "Insufficient funds."),
            404: OpenApiResponse(ErrorSerializer, "No such event."),
            409: OpenApiResponse(
                ErrorSerializer,
                "Sold out (`sold_out`), event over (`event_past`), free event (`event_free`), "
                "key reused with another body (`idempotency_conflict`), or the event's waiting "
                "room is on and no valid `Admission-Token` was sent (`admission_required`, "
                "`details.queue_url` names the line to join).",
            ),
            503: OpenApiResponse(ErrorSerializer, "Busy, try again."),
            **_ERRORS,
        },
    )
    def post(self, request):
        """Buy tickets: the wallet is debited and the seats taken at once; the payment then
        runs through the exchange (watch `status`). With `Prefer: wait=N` the answer is held
        until the purchase is final or N seconds (at most 10) pass."""
        key = idempotency_key_from(request)
        data = PurchaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        purchase_admission_check(
            user=request.user,
            event_pk=data.validated_data["event"],
            token=request.headers.get("Admission-Token"),
            idempotency_key=key,
        )
        purchase = purchase_create(
            user=request.user,
            event_pk=data.validated_data["event"],
            quantity=data.validated_data["quantity"],
            idempotency_key=key,
            language=request.LANGUAGE_CODE,
        )
        with VerdictHold(purchase.pk, requested_wait(request.headers.get("Prefer"))) as hold:
            if hold.granted:  # entered after the commit: this read sees a verdict given before
                fetch = partial(purchase_for_poll, user=request.user, purchase_id=purchase.pk)
                purchase = hold.read(fetch)
        purchase_history_load(purchase=purchase)
        body = PurchaseSerializer(purchase, context={"request": request}).data
        return hold.applied(_paced(Response(body, status=status.HTTP_201_CREATED), purchase))


def _paced(response, purchase: Purchase):
    """`X-Poll-Interval`: seconds until the next poll is worth making (payments/poll_pacing.py),
    on a purchase in flight's every answer, a 304 included; none once it is final."""
    if (seconds := purchase_poll_interval(purchase=purchase)) is not None:
        response["X-Poll-Interval"] = f"{seconds:g}"
    return response


@extend_schema(
    tags=["purchases"],
    parameters=[_PREFER_WAIT],
    responses={200: PurchaseSerializer, 404: ErrorSerializer, **_ERRORS},
)
class PurchaseDetailApi(APIView):
    """One of your purchases. The JSON answer carries an `ETag`: send it back in
    `If-None-Match` when polling and you get `304 Not Modified` (no body) until something in
    the answer changes. While the purchase is in flight, `X-Poll-Interval` says in how many
    seconds (0.5 to 2) the next poll is worth making. With `Prefer: wait=N` (RFC 7240, N up to
    10) the answer is held until the purchase is final or N seconds pass; `Preference-Applied`
    says when it was (a busy server may answer at once)."""

    # A 304 costs one query (the purchase's row, `purchase_for_poll`), not its history; a
    # full answer adds only the history's.

    authentication_classes = POLL_AUTHENTICATION  # polled: a checked token is remembered

    def get(self, request, pk: uuid.UUID):
        # Entered before the read: a verdict announced after it wakes the held request.
        with VerdictHold(pk, requested_wait(request.headers.get("Prefer"))) as hold:
            purchase = hold.read(lambda: purchase_for_poll(user=request.user, purchase_id=pk))
        if purchase is None:
            raise NotFound()
        return hold.applied(self._answer(request, purchase))

    def _answer(self, request, purchase: Purchase):
        version = purchase_version(purchase=purchase)
        etag = None
        if request.accepted_renderer.format == "json":
            # The host (absolute ticket link) and the media type ("; indent=4") shape the body.
            shape = (version, request.build_absolute_uri("/"), request.accepted_media_type)
            etag = quote_etag(hashlib.sha256(repr(shape).encode()).hexdigest()[:32])
            if not_modified := get_conditional_response(request._request, etag=etag):
                not_modified["ETag"], not_modified["Cache-Control"] = etag, "private, no-cache"
                return _paced(not_modified, purchase)
        # The body is the row the version was taken from; the history is read after it, so
        # the body is never older than its ETag.
        purchase_history_load(purchase=purchase)
        response = Response(PurchaseSerializer(purchase, context={"request": request}).data)
        if etag:
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"  # always revalidate, never shared
        return _paced(response, purchase)


class WorkersStatusSerializer(Serializer):
    available = serializers.BooleanField()
    workers = serializers.IntegerField()
    queued = serializers.IntegerField()
    checked_at = serializers.DateTimeField()


@extend_schema(tags=["workers"], responses={200: WorkersStatusSerializer})
class WorkersStatusApi(APIView):
    """Whether the workers master answers and how many workers are alive (the indicator)."""

    permission_classes = [AllowAny]

    def get(self, request):
        found = master_client.workers_status()
        return Response(
            {
                "available": found.available,
                "workers": found.workers,
                "queued": found.queued,
                "checked_at": timezone.now(),
            }
        )


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true or false: the string "false" is not a verdict (and is truthy)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ValidationSerializer(Serializer):
    request_id = serializers.UUIDField()
    valid = StrictBooleanField()
    deposit_token = serializers.CharField(required=False, max_length=100)
    group_id = serializers.IntegerField(required=False)
    seller = serializers.IntegerField(required=False)


@extend_schema(
    tags=["exchange"],
    request=ValidationSerializer,
    parameters=[
        OpenApiParameter(
            "X-Exchange-Signature",
            str,
            OpenApiParameter.HEADER,
            required=True,
            description="sha256=<hex HMAC-SHA256 of the raw body with the shared secret>",
        )
    ],
    responses={
        204: None,
        400: ErrorSerializer,
        401: OpenApiResponse(ErrorSerializer, "Missing or bad signature."),
        409: OpenApiResponse(
            ErrorSerializer, "`validation_mismatch`: group or deposit token not this purchase's."
        ),
    },
)
class ExchangeValidationApi(APIView):
    """The exchange's webhook. It may arrive many times and in any order with the
    synchronous answer: the purchase changes once."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    def post(self, request):
        raw = request.body
        if not exchange_client.signature_valid(
            body=raw, header=request.headers.get("X-Exchange-Signature")
        ):
            return Response(
                error_body("invalid_signature", "Missing or invalid X-Exchange-Signature."),
                status=status.HTTP_401_UNAUTHORIZED,
            )
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise ParseError() from exc
        data = ValidationSerializer(data=payload)
        data.is_valid(raise_exception=True)
        purchase_id, valid = data.validated_data["request_id"], data.validated_data["valid"]
        purchase = purchase_for_verdict(purchase_id=purchase_id)
        if purchase is None:
            log.warning("validation for unknown purchase %s ignored", purchase_id)
            return Response(status=status.HTTP_204_NO_CONTENT)
        mismatch = _mismatch(purchase, data.validated_data)
        if mismatch:
            log.warning("validation for purchase %s refused: %s", purchase_id, mismatch)
            return Response(
                error_body("validation_mismatch", mismatch), status=status.HTTP_409_CONFLICT
            )
        # The synchronous answer often got here first: an echo of the verdict it applied
        # changes nothing, so it takes no lock (any other verdict goes through the machine).
        if not verdict_applied(purchase, valid=valid):
            purchase_apply_verdict(purchase_id=purchase_id, valid=valid, source="webhook")
        return Response(status=status.HTTP_204_NO_CONTENT)


def _mismatch(purchase: Purchase, data: dict) -> str:
    """Why a signed validation does not belong to this purchase, or "" when it does. The
    deposit token is checked once we know ours (the payment's answer may have been lost)."""
    if "group_id" in data and data["group_id"] != settings.EXCHANGE_GROUP_ID:
        return f"group_id {data['group_id']} is not ours ({settings.EXCHANGE_GROUP_ID})."
    token = data.get("deposit_token")
    ours = purchase.deposit_token
    if token is not None and ours is not None and token.strip().lower() != str(ours):
        return "deposit_token does not match the purchase's."
    return ""
