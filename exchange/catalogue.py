"""A reproducible demo catalogue: Chilean venues, realistic shows, prices in whole CLP.

The same seed always gives the same events (ids, names, venues, prices, quantities and,
for the same start day, dates). Event ``i`` depends only on the seed and ``i``, so asking
for more events keeps the first ones unchanged.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from exchange.catalogue_details import catalogue_details

SANTIAGO = ZoneInfo("America/Santiago")
# Fixed namespace so event ids are stable across machines and versions of this file.
EVENT_NAMESPACE = uuid.UUID("6f1d3c0e-7a52-5b8e-9c1a-2a6e0c5d4b10")
HORIZON_DAYS = 180


@dataclass(frozen=True)
class Venue:
    name: str
    city: str
    latitude: float
    longitude: float
    kinds: frozenset[str]
    capacity: tuple[int, int]
    large: bool = False  # arenas and stadiums get the touring headliners

    @property
    def location(self) -> str:
        return f"{self.name}, {self.city}"


def _venue(
    name: str,
    city: str,
    lat: float,
    lon: float,
    kinds: str,
    cap: tuple[int, int],
    *,
    large: bool = False,
) -> Venue:
    return Venue(name, city, lat, lon, frozenset(kinds.split()), cap, large=large)


VENUES: tuple[Venue, ...] = (
    _venue(
        "Movistar Arena",
        "Santiago",
        -33.4625,
        -70.6606,
        "concert standup",
        (1500, 5000),
        large=True,
    ),
    _venue("Teatro Caupolicán", "Santiago", -33.4577, -70.6505, "concert standup", (800, 4000)),
    _venue(
        "Estadio Nacional", "Ñuñoa", -33.4645, -70.6105, "concert sports", (3000, 5000), large=True
    ),
    _venue("Teatro Municipal de Santiago", "Santiago", -33.4404, -70.6479, "theatre", (200, 1400)),
    _venue(
        "Quinta Vergara", "Viña del Mar", -33.0297, -71.5506, "concert", (2000, 5000), large=True
    ),
    _venue(
        "Teatro Regional del Biobío",
        "Concepción",
        -36.8283,
        -73.0591,
        "theatre concert standup",
        (300, 1200),
    ),
    _venue(
        "Estadio Ester Roa",
        "Concepción",
        -36.8165,
        -73.0268,
        "sports concert",
        (2000, 5000),
        large=True,
    ),
    _venue(
        "Gran Arena Monticello",
        "San Francisco de Mostazal",
        -33.9800,
        -70.7120,
        "concert standup",
        (1000, 4000),
        large=True,
    ),
    _venue("Teatro Oriente", "Providencia", -33.4236, -70.6110, "theatre standup", (300, 1000)),
    _venue("Blondie", "Santiago", -33.4513, -70.6830, "concert", (100, 800)),
    _venue("Club Chocolate", "Recoleta", -33.4330, -70.6355, "concert standup", (50, 500)),
    _venue(
        "Estadio Monumental",
        "Macul",
        -33.5063,
        -70.6059,
        "sports concert",
        (3000, 5000),
        large=True,
    ),
    _venue(
        "Teatro Nescafé de las Artes",
        "Providencia",
        -33.4297,
        -70.6196,
        "concert theatre standup",
        (300, 1000),
    ),
    _venue(
        "Estadio San Carlos de Apoquindo", "Las Condes", -33.3955, -70.5050, "sports", (2000, 5000)
    ),
    _venue("Estadio Sausalito", "Viña del Mar", -33.0168, -71.5362, "sports", (1500, 5000)),
    _venue("Estadio Elías Figueroa", "Valparaíso", -33.0305, -71.6367, "sports", (1500, 5000)),
    _venue(
        "Teatro Municipal de Viña del Mar",
        "Viña del Mar",
        -33.0246,
        -71.5521,
        "theatre standup",
        (200, 800),
    ),
    _venue("Teatro del Lago", "Frutillar", -41.1274, -73.0543, "theatre concert", (200, 1100)),
    _venue(
        "Centro Cultural Gabriela Mistral",
        "Santiago",
        -33.4390,
        -70.6397,
        "theatre standup",
        (100, 600),
    ),
    _venue("Estadio La Portada", "La Serena", -29.9126, -71.2448, "sports", (1500, 5000)),
    _venue(
        "Teatro Municipal de Antofagasta",
        "Antofagasta",
        -23.6480,
        -70.3975,
        "theatre standup",
        (200, 800),
    ),
    _venue("Parque O'Higgins", "Santiago", -33.4640, -70.6600, "festival", (4000, 5000)),
)
_BY_NAME = {venue.name: venue for venue in VENUES}

ARENA_ARTISTS = (
    "Coldplay",
    "Metallica",
    "Karol G",
    "Dua Lipa",
    "Iron Maiden",
    "Shakira",
    "Paul McCartney",
    "Foo Fighters",
    "Arctic Monkeys",
    "Rosalía",
    "Bad Bunny",
    "Maná",
    "Juanes",
    "Morat",
    "Duki",
    "Bruno Mars",
    "The Killers",
    "Pearl Jam",
    "Muse",
    "Café Tacvba",
    "Los Fabulosos Cadillacs",
    "Fito Páez",
    "Los Bunkers",
    "Mon Laferte",
    "Los Jaivas",
    "Myriam Hernández",
    "La Ley",
    "Américo",
    "Los Tres",
    "Chancho en Piedra",
)
CLUB_ARTISTS = (
    "Francisca Valenzuela",
    "Javiera Mena",
    "Denise Rosenthal",
    "Lucybell",
    "Illapu",
    "Inti-Illimani",
    "Quilapayún",
    "Ana Tijoux",
    "Cami",
    "Joe Vasconcellos",
    "Gepe",
    "Alex Anwandter",
    "Pedropiedra",
    "Santaferia",
    "Chico Trujillo",
    "Sinergia",
    "Kudai",
    "Princesa Alba",
    "Dënver",
    "Natalia Lafourcade",
    "Jorge Drexler",
    "Nicole",
)
TOURS = (
    "Gira Latinoamericana",
    "En Vivo",
    "Tour Aniversario",
    "Acústico",
    "Gira de Despedida",
    "World Tour",
    "Grandes Éxitos",
    "Nuevo Disco",
)
PLAYS = (
    "La Negra Ester",
    "La pérgola de las flores",
    "Hamlet",
    "Romeo y Julieta",
    "La casa de Bernarda Alba",
    "El lago de los cisnes, Ballet de Santiago",
    "Cascanueces, Ballet de Santiago",
    "Carmen, ópera de Bizet",
    "La Traviata",
    "Tosca",
    "Madama Butterfly",
    "Orquesta Filarmónica de Santiago: Novena de Beethoven",
    "Orquesta Sinfónica de Chile: Mahler 5",
    "El rey Lear",
    "Tres hermanas",
)
COMEDIANS = (
    "Natalia Valdebenito",
    "Edo Caroe",
    "Bombo Fica",
    "Pedro Ruminot",
    "Sergio Freire",
    "Jani Dueñas",
    "Rodrigo Villegas",
    "Chiqui Aguayo",
    "Felipe Avello",
    "Belloni",
)
STANDUP_SHOWS = ("Stand-up", "Nuevo show", "En gira", "Función única", "Sin filtro")
FESTIVALS = (
    ("Lollapalooza Chile", "Parque O'Higgins"),
    ("Fauna Primavera", "Parque O'Higgins"),
    ("Festival Internacional de la Canción de Viña del Mar", "Quinta Vergara"),
    ("Cumbre del Rock Chileno", "Estadio Nacional"),
    ("REC, Rock en Conce", "Estadio Ester Roa"),
    ("Santiago Gets Louder", "Estadio Monumental"),
)
HOME_TEAMS = (
    ("Colo-Colo", "Estadio Monumental"),
    ("Universidad de Chile", "Estadio Nacional"),
    ("Universidad Católica", "Estadio San Carlos de Apoquindo"),
    ("Everton", "Estadio Sausalito"),
    ("Santiago Wanderers", "Estadio Elías Figueroa"),
    ("Deportes Concepción", "Estadio Ester Roa"),
    ("Deportes La Serena", "Estadio La Portada"),
    ("Chile", "Estadio Nacional"),
)
AWAY_TEAMS = (
    "Cobreloa",
    "Palestino",
    "Audax Italiano",
    "O'Higgins",
    "Unión Española",
    "Coquimbo Unido",
    "Huachipato",
    "Ñublense",
    "Cobresal",
    "Deportes Iquique",
    "Unión La Calera",
    "Colo-Colo",
    "Universidad de Chile",
    "Universidad Católica",
)
NATIONS = ("Argentina", "Perú", "Uruguay", "Brasil", "Colombia", "Ecuador", "Bolivia", "Paraguay")

# Kind -> (weight, evening start times, price range in thousands of CLP).
KINDS: dict[str, tuple[int, tuple[str, ...], tuple[int, int]]] = {
    "concert": (40, ("20:00", "20:30", "21:00", "21:30"), (15, 120)),
    "theatre": (16, ("19:00", "19:30", "20:00"), (10, 45)),
    "festival": (6, ("18:00", "18:30"), (60, 120)),
    "standup": (18, ("20:30", "21:00", "21:30", "22:00"), (8, 25)),
    "sports": (20, ("18:00", "19:30", "20:00", "20:30"), (8, 40)),
}
SMALL_QUANTITIES = (10, 12, 15, 20)


@dataclass(frozen=True)
class CatalogueEvent:
    """One event as the exchange publishes it (``GET /v1/events``)."""

    event_id: str
    name: str
    date: str
    price: int
    quantity: int
    location: str
    latitude: float
    longitude: float
    # Our extension (docs/exchange-protocol.md): optional for a seller, always set here.
    description: str = ""
    category: str = ""
    address: str = ""
    doors_open: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def today_in_santiago() -> dt.date:
    return dt.datetime.now(SANTIAGO).date()


def event_id_for(*, seed: int, index: int) -> str:
    """The deterministic id of the ``index``-th generated event of a seed."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"cpe-exchange:{seed}:{index}"))


def catalogue_generate(
    *, seed: int, count: int, start: dt.date | None = None
) -> list[CatalogueEvent]:
    """``count`` events over the ``HORIZON_DAYS`` days after ``start``, sorted by date."""
    start = start or today_in_santiago()
    events = [_event(seed=seed, index=i, start=start) for i in range(count)]
    return sorted(events, key=lambda event: (event.date, event.name, event.event_id))


def _event(*, seed: int, index: int, start: dt.date) -> CatalogueEvent:
    # A string seed is hashed deterministically (unlike hash()), so runs agree.
    rng = random.Random(f"cpe-exchange:{seed}:{index}")
    kinds = list(KINDS)
    kind = rng.choices(kinds, weights=[KINDS[k][0] for k in kinds])[0]
    _, times, (low, high) = KINDS[kind]
    name, venue = _name_and_venue(rng, kind)
    if kind == "concert" and not venue.large:
        high = 35  # club and theatre gigs cost less than stadium tours
    day = start + dt.timedelta(days=rng.randint(1, HORIZON_DAYS))
    hour, minute = map(int, rng.choice(times).split(":"))
    when = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SANTIAGO)
    if index % 15 == 7:
        # A few nearly sold-out events, so "sold out" and "last ticket" are easy to demo.
        quantity = rng.choice(SMALL_QUANTITIES)
    else:
        lo, hi = venue.capacity
        quantity = max(50, min(5000, rng.randint(lo, hi) // 10 * 10))
    return CatalogueEvent(
        event_id=event_id_for(seed=seed, index=index),
        name=name,
        date=when.isoformat(),
        price=rng.randint(low, high) * 1000,
        quantity=quantity,
        location=venue.location,
        latitude=venue.latitude,
        longitude=venue.longitude,
        **catalogue_details(
            seed=seed,
            index=index,
            kind=kind,
            name=name,
            venue=venue.name,
            city=venue.city,
            start=when,
        ),
    )


def _name_and_venue(rng: random.Random, kind: str) -> tuple[str, Venue]:
    if kind == "festival":
        name, venue_name = rng.choice(FESTIVALS)
        return name, _BY_NAME[venue_name]
    if kind == "sports":
        home, venue_name = rng.choice(HOME_TEAMS)
        rivals = NATIONS if home == "Chile" else tuple(t for t in AWAY_TEAMS if t != home)
        return f"{home} vs {rng.choice(rivals)}", _BY_NAME[venue_name]
    venue = rng.choice([v for v in VENUES if kind in v.kinds])
    if kind == "concert":
        artist = rng.choice(ARENA_ARTISTS if venue.large else CLUB_ARTISTS)
        return f"{artist}: {rng.choice(TOURS)}", venue
    if kind == "standup":
        return f"{rng.choice(COMEDIANS)}: {rng.choice(STANDUP_SHOWS)}", venue
    return rng.choice(PLAYS), venue
