"""`GET /api/v1/purchases/{id}/ticket/`: the owner's PDF (200) or a fresh S3 link (302)."""

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from payments.delivery.errors import TicketNotReady
from payments.delivery.services import ticket_download
from payments.delivery.views import ticket_response
from payments.selectors import purchase_get_for_user
from ticketseller.api.errors import ErrorSerializer


@extend_schema(
    tags=["purchases"],
    responses={
        (200, "application/pdf"): OpenApiResponse(
            OpenApiTypes.BINARY, "The ticket PDF (local storage), shown inline."
        ),
        302: OpenApiResponse(
            description="Redirect (Location) to the PDF in S3: a presigned URL that expires, "
            "made fresh on every call."
        ),
        401: ErrorSerializer,
        404: OpenApiResponse(ErrorSerializer, "No such purchase, or not yours."),
        409: OpenApiResponse(
            ErrorSerializer,
            "`not_validated`: the payment is not validated (yet). `ticket_not_ready`: the PDF "
            "is being prepared; retry after `Retry-After` seconds.",
        ),
        429: ErrorSerializer,
        503: OpenApiResponse(ErrorSerializer, "`ticket_unavailable`: rendering failed; later."),
    },
)
class PurchaseTicketApi(APIView):
    """Download the ticket of one of your validated purchases."""

    def perform_content_negotiation(self, request, force=False):
        # `Accept: application/pdf` must not end in 406: success is a file response that
        # skips DRF's renderers, and errors fall back to JSON.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, pk: uuid.UUID):
        purchase = purchase_get_for_user(user=request.user, purchase_id=pk)
        if purchase is None:
            raise NotFound()
        return ticket_response(ticket_download(purchase=purchase))

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, TicketNotReady):
            response["Retry-After"] = str(exc.retry_after)
        return response
