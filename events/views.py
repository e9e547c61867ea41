import uuid

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from events.filters import EventFilterForm
from events.models import Event
from events.selectors import event_list
from events.waiting_room import waiting_room_is_on


def event_list_view(request):
    form = EventFilterForm(request.GET)
    events = event_list(**form.cleaned_data) if form.is_valid() else Event.objects.none()
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def event_detail_view(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    top = min(settings.PURCHASE_MAX_QUANTITY, event.available)
    return render(
        request,
        "events/detail.html",
        # A fresh token per rendered buy form: a double click buys once.
        {
            "event": event,
            "quantities": range(1, top + 1),
            "buy_token": uuid.uuid4(),
            # Only a buyer needs to know (and an anonymous page costs no Redis call).
            "waiting_room_on": request.user.is_authenticated and waiting_room_is_on(event=event),
        },
    )
