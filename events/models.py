from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The categories the reference exchange publishes (an extension); another one is shown as is.
CATEGORY_LABELS = {
    "concert": _("Concert"),
    "theatre": _("Theatre"),
    "festival": _("Festival"),
    "standup": _("Stand-up comedy"),
    "sports": _("Sports"),
}


class Event(models.Model):
    """An event on sale. Seats are ours to count once the event is imported."""

    event_id = models.UUIDField(_("exchange id"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    date = models.DateTimeField(_("date"), db_index=True)
    location = models.CharField(_("location"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    price = models.PositiveBigIntegerField(_("price (CLP)"))
    capacity = models.PositiveIntegerField(_("capacity"))
    available = models.PositiveIntegerField(_("available seats"))
    # Optional fields of the exchange's catalogue (our extension): empty when it has none.
    description = models.TextField(_("description"), blank=True, default="")
    category = models.CharField(_("category"), max_length=40, blank=True, default="")
    address = models.CharField(_("street address"), max_length=200, blank=True, default="")
    doors_at = models.DateTimeField(_("doors open"), null=True, blank=True)
    # Staff's switch for the waiting room: on from this moment for WAITING_ROOM_ON_SALE_SECONDS.
    on_sale_at = models.DateTimeField(
        _("on-sale time (waiting room)"),
        null=True,
        blank=True,
        help_text=_(
            "Buyers pass through the waiting room from this moment for the configured window. "
            "Empty: the room opens only by itself, under load."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(available__gte=0)
                & models.Q(available__lte=models.F("capacity")),
                name="event_available_within_capacity",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="event_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="event_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, self.category))

    @property
    def sold_out(self) -> bool:
        return self.available == 0
