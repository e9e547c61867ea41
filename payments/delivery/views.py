"""Pages: the owner's ticket download and the staff check-in at the door."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from payments.delivery.errors import (
    AlreadyCheckedIn,
    ForgedTicketCode,
    NotYetValidated,
    TicketForAnotherDay,
    TicketForAnotherEvent,
    TicketNotReady,
    TicketNotValid,
    TicketRenderFailed,
    UnknownTicket,
)
from payments.delivery.forms import CheckInForm, DoorEventForm
from payments.delivery.selectors import door_count, door_events
from payments.delivery.services import ticket_check_in, ticket_download
from payments.selectors import purchase_get_for_user


def ticket_response(download) -> FileResponse | HttpResponseRedirect:
    """The PDF inline (local) or a 302 to the fresh S3 URL (lambda)."""
    if download.url:
        response = HttpResponseRedirect(download.url)
    else:
        response = FileResponse(
            download.file,
            content_type="application/pdf",
            as_attachment=False,
            filename=download.filename,
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def ticket_download_view(request, pk):
    purchase = purchase_get_for_user(user=request.user, purchase_id=pk)
    if purchase is None:
        raise Http404
    try:
        return ticket_response(ticket_download(purchase=purchase))
    except (NotYetValidated, TicketNotReady, TicketRenderFailed) as exc:
        response = render(
            request,
            "delivery/ticket_unavailable.html",
            {"purchase": purchase, "error": exc},
            status=exc.status,
        )
        if isinstance(exc, TicketNotReady):
            response["Retry-After"] = str(exc.retry_after)
            response["Refresh"] = str(exc.retry_after)  # the page tries again by itself
        return response


# The door staff's permission (the "Door staff" group has it; no admin access needed).
CHECK_IN_PERMISSION = "payments.add_checkin"


def _check_in_result(*, code: str, staff_user, event_pk: int) -> dict:
    """The verdict the door sees for one scanned code."""
    try:
        check_in = ticket_check_in(code=code, staff_user=staff_user, event_pk=event_pk)
        return {"outcome": "valid", "check_in": check_in, "purchase": check_in.purchase}
    except ForgedTicketCode as exc:
        return {"outcome": "forged", "error": exc}
    except UnknownTicket as exc:
        return {"outcome": "unknown", "error": exc}
    except TicketForAnotherEvent as exc:
        return {"outcome": "wrong_event", "error": exc, "purchase": exc.purchase}
    except TicketForAnotherDay as exc:
        return {"outcome": "wrong_day", "error": exc, "purchase": exc.purchase}
    except TicketNotValid as exc:
        return {"outcome": "not_validated", "error": exc, "purchase": exc.purchase}
    except AlreadyCheckedIn as exc:
        return {
            "outcome": "already",
            "error": exc,
            "check_in": exc.check_in,
            "purchase": exc.check_in.purchase,
        }


def _door_event(events: list, wanted) -> object | None:
    """The event the door checks: the one asked for, else the first of today's."""
    by_id = {str(event.pk): event for event in events}
    return by_id.get(str(wanted or "")) or (events[0] if events else None)


@login_required  # anonymous: the shop's log-in page
@permission_required(CHECK_IN_PERMISSION, raise_exception=True)  # logged in without it: 403
def check_in_view(request):
    """Staff at the door: choose the event, then one answer per scanned code."""
    today = timezone.localdate()
    events = door_events(today=today)
    event = _door_event(events, request.POST.get("event") or request.GET.get("event"))
    result = None
    form = CheckInForm(request.POST or None, events=events)
    if request.method == "POST" and form.is_valid():
        event = _door_event(events, form.cleaned_data["event"])
        result = _check_in_result(
            code=form.cleaned_data["code"], staff_user=request.user, event_pk=event.pk
        )
        form = CheckInForm(events=events)  # an empty, focused field for the next person
    if event is not None:
        form.initial["event"] = event.pk
    context = {
        "form": form,
        "event_form": DoorEventForm(events=events, initial={"event": event and event.pk}),
        "event": event,
        "event_is_today": event is not None and timezone.localdate(event.date) == today,
        "count": door_count(event_pk=event.pk) if event else None,
        "result": result,
    }
    return render(request, "delivery/check_in.html", context)
