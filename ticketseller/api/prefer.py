"""`Prefer: wait=N` (RFC 7240): a client asks for its answer to be held until something
happens or N seconds pass. The purchase's poll and buy (payments/verdict_hold.py) and the
waiting room's poll (events/line_hold.py) read it here."""

from drf_spectacular.utils import OpenApiParameter

#: Under every proxy's read timeout (CloudFront's 30 s, the ALB's 60 s).
WAIT_MAX_SECONDS = 10
#: A held request wakes this often to see whether its process is shutting down: gunicorn's
#: threads are joined as the process exits, and a held one must not delay that.
SLICE_SECONDS = 0.25


def requested_wait(prefer: str | None) -> int:
    """The seconds a `Prefer` header's `wait` preference asks for (0 without one), at most
    WAIT_MAX_SECONDS. Preferences the server does not know are ignored, as RFC 7240 says."""
    for preference in (prefer or "").split(","):
        name, _, value = preference.split(";", 1)[0].partition("=")
        if name.strip().lower() == "wait":
            value = value.strip().strip('"')
            return min(int(value), WAIT_MAX_SECONDS) if value.isdigit() else 0
    return 0


def preference_applied(response, seconds: int):
    """`response` with `Preference-Applied: wait=N`: its answer was held (RFC 7240)."""
    response["Preference-Applied"] = f"wait={seconds}"
    return response


def prefer_wait_parameter(held_until: str) -> OpenApiParameter:
    """The `Prefer` header in an endpoint's OpenAPI description; `held_until` says what the
    answer waits for."""
    return OpenApiParameter(
        "Prefer",
        str,
        OpenApiParameter.HEADER,
        description=f"`wait=N` (seconds, at most {WAIT_MAX_SECONDS}): {held_until}",
    )
