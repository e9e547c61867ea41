from django.contrib.messages import get_messages
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from events.catalogue_cache import (
    Answer,
    CountCachedPaginator,
    answer_get,
    answer_set,
    catalogue_key,
    catalogue_version,
    count_key,
)
from events.filters import EventFilterForm
from events.ical import event_ical
from events.models import Event
from events.selectors import event_list
from events.waiting_room import waiting_room_is_on
from ticketseller.page_shell import shell_context, shell_fill, shell_variant


def event_list_view(request):
    version = catalogue_version()
    if version is None or len(get_messages(request)):
        return _list_page(request, version)
    # The page is the same for every visitor but for the menu and the CSRF tokens: it is kept
    # whole, and each answer puts in the visitor's own (ticketseller/page_shell.py).
    key = catalogue_key(
        "page-shell",
        version,
        request.path,
        get_language(),
        sorted(request.GET.lists()),
        shell_variant(request),
    )
    shell = answer_get(key)
    if shell is None:
        shell = Answer.of(_list_page(request, version, shell_context(request)).content)
        answer_set(key, shell)
    return HttpResponse(shell_fill(shell.body, request))


def _list_page(request, version: str | None, extra: dict | None = None) -> HttpResponse:
    form = EventFilterForm(request.GET)
    # The events part of the page holds nothing per user (the header does): it is rendered
    # once per catalogue version, query and language, and shared by every visitor.
    key = None
    if version is not None:
        key = catalogue_key("page", version, get_language(), sorted(request.GET.lists()))
    context = {"form": form, **(extra or {})}
    answer = answer_get(key)
    if answer is None:
        context["page"] = _event_page(request, form, version)
        query = request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        answer = Answer.of(render_to_string("events/_catalogue.html", context).encode())
        answer_set(key, answer)
    context["catalogue"] = mark_safe(answer.body.decode())  # our own rendered template
    return render(request, "events/list.html", context)


def _event_page(request, form: EventFilterForm, version: str | None) -> Page:
    if not form.is_valid():
        return Paginator(Event.objects.none(), 25).get_page(1)
    paginator = CountCachedPaginator(
        event_list(**form.cleaned_data),
        25,
        count_key=count_key(version=version, filters=form.cleaned_data),
    )
    return paginator.get_page(request.GET.get("page"))


def event_detail_view(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            # Only a buyer needs to know (and an anonymous page costs no Redis call).
            "waiting_room_on": request.user.is_authenticated and waiting_room_is_on(event=event),
        },
    )


def event_calendar_view(request, pk: int):
    """`.ics` for "Agregar al calendario"; the same file for everyone but its language."""
    event = get_object_or_404(Event, pk=pk)
    url = request.build_absolute_uri(event.get_absolute_url())
    response = HttpResponse(
        event_ical(event=event, url=url), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response
