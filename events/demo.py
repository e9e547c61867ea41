"""A reproducible demo catalogue: the same seed always gives the same events.

Used by `load_demo_events` until the catalogue comes from the exchange.
"""

import datetime as dt
import random
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from events.services import EventData

_SANTIAGO = ZoneInfo("America/Santiago")
_NAMESPACE = uuid.UUID("6f1c3a52-1d1b-4a8e-9a55-2f0c1b7d9e10")

# (venue, city, latitude, longitude, capacity)
VENUES = [
    ("Movistar Arena", "Santiago", -33.4625, -70.6610, 5000),
    ("Teatro Caupolicán", "Santiago", -33.4586, -70.6497, 4500),
    ("Estadio Nacional", "Santiago", -33.4646, -70.6107, 5000),
    ("Teatro Municipal de Santiago", "Santiago", -33.4405, -70.6481, 1500),
    ("Teatro Oriente", "Providencia", -33.4260, -70.6110, 1200),
    ("Blondie", "Santiago", -33.4497, -70.6787, 900),
    ("Club Chocolate", "Santiago", -33.4330, -70.6410, 400),
    ("Teatro Nescafé de las Artes", "Providencia", -33.4278, -70.6039, 1000),
    ("Quinta Vergara", "Viña del Mar", -33.0296, -71.5525, 5000),
    ("Teatro Regional del Biobío", "Concepción", -36.8282, -73.0608, 1200),
    ("Estadio Ester Roa", "Concepción", -36.8160, -73.0280, 5000),
    ("Gran Arena Monticello", "San Francisco de Mostazal", -33.9637, -70.7188, 3500),
    ("Teatro del Lago", "Frutillar", -41.1244, -73.0533, 1100),
    ("Centro Cultural Gabriela Mistral", "Santiago", -33.4390, -70.6400, 600),
    ("Sala Master", "Santiago", -33.4370, -70.6560, 10),
]

ACTS = [
    "Mon Laferte",
    "Los Bunkers",
    "Javiera Mena",
    "Los Jaivas",
    "Inti-Illimani",
    "Ana Tijoux",
    "Los Tres",
    "Francisca Valenzuela",
    "Lucybell",
    "Chancho en Piedra",
    "Américo",
    "Santaferia",
    "Denise Rosenthal",
    "Cami",
    "Los Prisioneros Tributo",
    "Orquesta Sinfónica Nacional",
    "Ballet de Santiago",
    "Stefan Kramer",
    "Coldplay Tributo",
    "Jazz al Parque",
    "Quilapayún",
    "Nicole",
    "Joe Vasconcellos",
    "Illapu",
]
FORMATS = [
    "en vivo",
    "— Gira 2026",
    "— Noche de clásicos",
    "Acústico",
    "— Concierto aniversario",
    "— Festival de verano",
    "— Stand-up",
    "— Función de gala",
]
PRICES = [8_000, 12_000, 15_000, 19_900, 25_000, 32_000, 45_000, 60_000, 85_000, 120_000]


def demo_catalogue(
    *, seed: int = 2026, count: int = 80, start: dt.date | None = None
) -> list[EventData]:
    rng = random.Random(seed)
    # Anchored to the current month so a demo never shows only past events.
    first_day = start or dt.date.today().replace(day=1)
    events = []
    for i in range(count):
        venue, city, lat, lon, venue_capacity = rng.choice(VENUES)
        day = first_day + dt.timedelta(days=rng.randrange(0, 180))
        at = dt.datetime.combine(day, dt.time(rng.choice([19, 20, 21]), rng.choice([0, 30])))
        capacity = min(venue_capacity, rng.choice([50, 100, 200, 300, 500, 1000, 2500, 5000]))
        events.append(
            EventData(
                event_id=uuid.uuid5(_NAMESPACE, f"{seed}:{i}"),
                name=f"{rng.choice(ACTS)} {rng.choice(FORMATS)}",
                date=at.replace(tzinfo=_SANTIAGO),
                location=f"{venue}, {city}",
                latitude=Decimal(str(lat)),
                longitude=Decimal(str(lon)),
                price=rng.choice(PRICES),
                quantity=capacity,
            )
        )
    return events
