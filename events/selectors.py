import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from events.models import Event


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def event_list(
    *,
    search: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Event]:
    """Events on sale, soonest first. Without `date_from`, past days are hidden.

    Dates are whole days in the shop's time zone (America/Santiago), both ends included.
    """
    qs = Event.objects.filter(date__gte=_start_of_day(date_from or timezone.localdate()))
    if date_to:
        qs = qs.filter(date__lt=_start_of_day(date_to + dt.timedelta(days=1)))
    if search := search.strip():
        qs = qs.filter(Q(name__icontains=search) | Q(location__icontains=search))
    return qs.order_by("date", "id")
