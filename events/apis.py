from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from events.api_cache import CatalogueCachedApiMixin
from events.catalogue_cache import CountCachedPaginator, count_key
from events.filters import EventFilterForm
from events.models import Event
from events.selectors import event_list
from ticketseller.api.errors import ErrorSerializer
from ticketseller.api.pagination import PageNumberPagination
from ticketseller.api.serializers import ModelSerializer


class EventSerializer(ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "id", "event_id", "name", "date", "location", "latitude", "longitude",
            "price", "capacity", "available",
            "description", "category", "address", "doors_at",
        ]  # fmt: skip
        read_only_fields = ["description", "category", "address", "doors_at"]


_FILTERS = [
    OpenApiParameter("search", str, description="Part of the name or the location."),
    OpenApiParameter("date_from", str, description="First day (YYYY-MM-DD), default today."),
    OpenApiParameter("date_to", str, description="Last day included (YYYY-MM-DD)."),
]


# The schema's security as for any public endpoint (the token class only remembers lookups).
_AUTH = [{"tokenAuth": []}, {"cookieAuth": []}, {}]


class EventPagination(PageNumberPagination):
    """The API's pagination, with the count of each filter kept per catalogue version."""

    count_key: str | None = None

    def django_paginator_class(self, object_list, per_page):
        return CountCachedPaginator(object_list, per_page, count_key=self.count_key)


@extend_schema(
    tags=["events"],
    auth=_AUTH,
    parameters=_FILTERS,
    responses={200: EventSerializer(many=True), 400: ErrorSerializer, 404: ErrorSerializer},
)
class EventListApi(CatalogueCachedApiMixin, generics.ListAPIView):
    """Upcoming events, soonest first, 25 per page.

    Answers carry an `ETag`; send it back in `If-None-Match` to get `304 Not Modified` while the
    answer is unchanged. Seats left may lag purchases by a couple of seconds."""

    permission_classes = [AllowAny]
    serializer_class = EventSerializer
    pagination_class = EventPagination

    def get_queryset(self):
        form = EventFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        self.paginator.count_key = count_key(
            version=self.catalogue_version, filters=form.cleaned_data
        )
        return event_list(**form.cleaned_data)


@extend_schema(
    tags=["events"],
    auth=_AUTH,
    responses={200: EventSerializer, 404: OpenApiResponse(ErrorSerializer, "No such event.")},
)
class EventDetailApi(CatalogueCachedApiMixin, generics.RetrieveAPIView):
    """One event. Answers carry an `ETag`; send it back in `If-None-Match` to get
    `304 Not Modified` while the answer is unchanged."""

    permission_classes = [AllowAny]
    serializer_class = EventSerializer
    queryset = Event.objects.all()
