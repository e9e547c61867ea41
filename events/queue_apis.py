"""The waiting room's API (docs/api.md, "Waiting room"): join an event's line, then poll it."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from events.line_hold import line_hold_wait
from events.models import Event
from events.waiting_room import QueueTicket, waiting_room_join, waiting_room_poll
from ticketseller.api.errors import ErrorSerializer
from ticketseller.api.prefer import prefer_wait_parameter, preference_applied, requested_wait
from ticketseller.api.serializers import Serializer
from ticketseller.api.token_memory import POLL_AUTHENTICATION
from ticketseller.statements import select


class QueueTicketSerializer(Serializer):
    position = serializers.IntegerField(help_text="Place in line (1: next in); 0 once admitted.")
    admitted = serializers.BooleanField()
    admission_token = serializers.CharField(
        allow_null=True,
        help_text="Null until admitted; then send it as the `Admission-Token` header of "
        "`POST /api/v1/purchases/`. Valid a few minutes; polling again gives a fresh one.",
    )
    estimated_wait_seconds = serializers.IntegerField()
    retry_after = serializers.IntegerField(help_text="Poll again no sooner than this (seconds).")


def _answer(ticket: QueueTicket) -> Response:
    response = Response(QueueTicketSerializer(ticket.as_dict()).data)
    if not ticket.admitted:
        response["Retry-After"] = str(ticket.retry_after)
    return response


def _event(pk: int) -> Event:
    """The event of a line: read on every poll, so in a statement written once per process."""
    event = select(Event, where=("id",), only=("on_sale_at",)).first(pk)
    if event is None:
        raise NotFound(_("No such event."))
    return event


_PREFER_WAIT = prefer_wait_parameter(
    "when your estimated wait is at most N, hold the answer until you are admitted or N "
    "seconds pass (`Preference-Applied` says it was)."
)


@extend_schema(tags=["events"])
class EventQueueApi(APIView):
    """An event's waiting room. Every client may, and under load must, pass through it
    before buying."""

    authentication_classes = POLL_AUTHENTICATION  # polled: a checked token is remembered

    @extend_schema(
        request=None,
        responses={
            200: QueueTicketSerializer,
            401: ErrorSerializer,
            404: OpenApiResponse(ErrorSerializer, "No such event."),
            429: ErrorSerializer,
        },
    )
    def post(self, request, pk: int):
        """Join the line, once per user: calling again returns the same place. When the room
        is off, joining admits at once."""
        return _answer(waiting_room_join(user=request.user, event=_event(pk)))

    @extend_schema(
        parameters=[_PREFER_WAIT],
        responses={
            200: QueueTicketSerializer,
            401: ErrorSerializer,
            404: OpenApiResponse(ErrorSerializer, "No such event, or you never joined its line."),
            429: ErrorSerializer,
        },
    )
    def get(self, request, pk: int):
        """Your place in the line. Poll no faster than `retry_after` seconds; with
        `Prefer: wait=N`, near your turn, the answer waits until you are admitted."""
        event = _event(pk)
        ticket = waiting_room_poll(user=request.user, event=event)
        if ticket is None:
            raise NotFound(_("You have not joined this event's line."))
        wait = requested_wait(request.headers.get("Prefer"))
        ticket, held = line_hold_wait(user=request.user, event=event, ticket=ticket, seconds=wait)
        return preference_applied(_answer(ticket), wait) if held else _answer(ticket)
