from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from events.filters import EventFilterForm
from events.models import Event
from events.selectors import event_list


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
    return render(request, "events/detail.html", {"event": event})
