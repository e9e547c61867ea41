"""Pages: the owner's ticket download and the staff check-in at the door."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render

from payments.delivery.errors import (
    AlreadyCheckedIn,
    ForgedTicketCode,
    NotYetValidated,
    TicketNotReady,
    TicketNotValid,
    TicketRenderFailed,
    UnknownTicket,
)
from payments.delivery.forms import CheckInForm
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


@login_required  # anonymous: the shop's log-in page
@permission_required(CHECK_IN_PERMISSION, raise_exception=True)  # logged in without it: 403
def check_in_view(request):
    """Staff at the door: one form, one answer per scanned code."""
    result = None
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            check_in = ticket_check_in(code=code, staff_user=request.user)
            result = {"outcome": "valid", "check_in": check_in, "purchase": check_in.purchase}
        except ForgedTicketCode as exc:
            result = {"outcome": "forged", "error": exc}
        except UnknownTicket as exc:
            result = {"outcome": "unknown", "error": exc}
        except TicketNotValid as exc:
            result = {"outcome": "not_validated", "error": exc, "purchase": exc.purchase}
        except AlreadyCheckedIn as exc:
            result = {
                "outcome": "already",
                "error": exc,
                "check_in": exc.check_in,
                "purchase": exc.check_in.purchase,
            }
        form = CheckInForm()  # an empty, focused field for the next person in line
    return render(request, "delivery/check_in.html", {"form": form, "result": result})
