"""English dates, one style throughout: "Fri 4 Dec 2026, 19:30" (24-hour, day before month,
as in Chile), not a mix of "11:02 p.m." and US dates."""

DATE_FORMAT = "D j M Y"
DATETIME_FORMAT = "D j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"

EVENT_DAY_FORMAT = "D j M, H:i"
SHORT_EVENT_FORMAT = "j M Y, H:i"
SECONDS_DATETIME_FORMAT = "d/m/Y H:i:s"
