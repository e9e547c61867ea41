"""The demo catalogue's extension fields: description, category, street address, doors time.

They are drawn from a random generator of their own (seeded by the catalogue's seed and the
event's index), so adding them left every field the catalogue already published unchanged.
"""

from __future__ import annotations

import datetime as dt
import random

# Venue name -> street address (the catalogue's `location` is "Venue, City").
ADDRESSES: dict[str, str] = {
    "Movistar Arena": "Av. Beaucheff 1204, Santiago",
    "Teatro Caupolicán": "San Diego 850, Santiago",
    "Estadio Nacional": "Av. Grecia 2001, Ñuñoa",
    "Teatro Municipal de Santiago": "Agustinas 794, Santiago",
    "Quinta Vergara": "Errázuriz 563, Viña del Mar",
    "Teatro Regional del Biobío": "Av. Pedro Aguirre Cerda 1050, Concepción",
    "Estadio Ester Roa": "Av. Collao 2000, Concepción",
    "Gran Arena Monticello": "Ruta 5 Sur km 57, San Francisco de Mostazal",
    "Teatro Oriente": "Av. Pedro de Valdivia 099, Providencia",
    "Blondie": "Av. Libertador Bernardo O'Higgins 2879, Santiago",
    "Club Chocolate": "Ernesto Pinto Lagarrigue 192, Recoleta",
    "Estadio Monumental": "Av. Marathon 5300, Macul",
    "Teatro Nescafé de las Artes": "Manuel Montt 032, Providencia",
    "Estadio San Carlos de Apoquindo": "Camino Las Flores 13000, Las Condes",
    "Estadio Sausalito": "Av. Los Castaños s/n, Viña del Mar",
    "Estadio Elías Figueroa": "Av. Playa Ancha 1110, Valparaíso",
    "Teatro Municipal de Viña del Mar": "Plaza Vergara s/n, Viña del Mar",
    "Teatro del Lago": "Av. Philippi 1000, Frutillar",
    "Centro Cultural Gabriela Mistral": "Av. Libertador Bernardo O'Higgins 227, Santiago",
    "Estadio La Portada": "Av. Estadio 1150, La Serena",
    "Teatro Municipal de Antofagasta": "Av. Sucre 433, Antofagasta",
    "Parque O'Higgins": "Av. Rondizzoni 1800, Santiago",
}

# Kind (also the published category) -> minutes between doors opening and the start.
DOORS_BEFORE: dict[str, tuple[int, ...]] = {
    "concert": (60, 90),
    "theatre": (30,),
    "festival": (120, 180),
    "standup": (30, 45),
    "sports": (90, 120),
}

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "concert": (
        "{name} llega a {venue}. Una noche para cantar de principio a fin; "
        "apertura de puertas con tiempo, sin telonero anunciado.",
        "{name}: el show completo, con banda en vivo, pantallas y los éxitos de siempre. "
        "Recinto apto para todo público; menores de 14 años con un adulto.",
    ),
    "theatre": (
        "{name}, en {venue}. Función con intermedio de 15 minutos; "
        "se ruega llegar antes de la hora: no se permite el ingreso una vez iniciada la obra.",
        "Temporada de {name} en {city}. Duración aproximada: 2 horas, con intermedio.",
    ),
    "festival": (
        "{name}: dos escenarios, food trucks y zona de descanso. "
        "Ingreso con cédula de identidad; no se permite el ingreso de alimentos.",
        "Vuelve {name}, con artistas nacionales e internacionales durante toda la tarde.",
    ),
    "standup": (
        "{name}. Humor para mayores de 18 años; el show dura cerca de 90 minutos.",
        "Una noche de stand-up en {venue}: {name}. Contenido para adultos.",
    ),
    "sports": (
        "{name}, en {venue}. Ingreso por sectores según tu entrada; "
        "se exige cédula de identidad (Ley 19.327, Estadio Seguro).",
        "Partido {name}. Llega temprano: los accesos cierran 15 minutos antes del inicio.",
    ),
}


def catalogue_details(
    *, seed: int, index: int, kind: str, name: str, venue: str, city: str, start: dt.datetime
) -> dict[str, str]:
    """The extension fields of the ``index``-th event of a seed, as published."""
    rng = random.Random(f"cpe-exchange-details:{seed}:{index}")
    doors = start - dt.timedelta(minutes=rng.choice(DOORS_BEFORE[kind]))
    description = rng.choice(DESCRIPTIONS[kind]).format(name=name, venue=venue, city=city)
    return {
        "description": description,
        "category": kind,
        "address": ADDRESSES[venue],
        "doors_open": doors.isoformat(),
    }
