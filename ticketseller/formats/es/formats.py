"""Dates the Chilean way: "viernes 4 de diciembre de 2026, 19:30", "14 dic 2026", 24-hour.
Django's own Spanish formats leave out the "de" in some places; these replace them
(FORMAT_MODULE_PATH). The *_EVENT_* names are read by the `when` filter."""

DATE_FORMAT = r"l j \d\e F \d\e Y"
DATETIME_FORMAT = r"l j \d\e F \d\e Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
MONTH_DAY_FORMAT = r"j \d\e F"
YEAR_MONTH_FORMAT = r"F \d\e Y"

# The `when` filter's extra names (ticketseller/templatetags/when.py).
EVENT_DAY_FORMAT = r"l j \d\e F, H:i"  # the catalogue: the year is the current one or next
SHORT_EVENT_FORMAT = "j b Y, H:i"  # "14 dic 2026, 19:30"
SECONDS_DATETIME_FORMAT = "d-m-Y H:i:s"  # the admin's history
