"""The waiting room's pages: join an event's line, watch your place, buy once admitted."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from events.models import Event
from events.waiting_room import queue_url, waiting_room_join, waiting_room_poll


@login_required
@require_http_methods(["GET", "POST"])
def event_queue_view(request, pk: int):
    """GET: your place (or a "join the line" button); POST: join, then back here (a reload
    keeps the place: it is kept per user, not per page)."""
    event = get_object_or_404(Event, pk=pk)
    if request.method == "POST":
        waiting_room_join(user=request.user, event=event)
        return redirect("events:queue", event.pk)
    ticket = waiting_room_poll(user=request.user, event=event)
    return render(
        request,
        "events/queue.html",
        {
            "event": event,
            "ticket": ticket,
            "queue_api_url": queue_url(event.pk),
        },
    )
