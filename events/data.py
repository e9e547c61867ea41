"""The shape of an event as the exchange publishes it."""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class EventData:
    """One event as the exchange publishes it (`quantity` = tickets it still offers)."""

    event_id: uuid.UUID
    name: str
    date: dt.datetime
    location: str
    latitude: Decimal
    longitude: Decimal
    price: int
    quantity: int
    # Optional (our extension of the protocol): an exchange without them publishes none.
    description: str = ""
    category: str = ""
    address: str = ""
    doors_at: dt.datetime | None = None
