"""The two hiring seasons the simulator produces, as instants (ms since the epoch, UTC).

Japanese job hunting for the class graduating in spring Y: the main sites open on 1 March of
Y-1, informal offers come from mid-May, and the formal offer day is 1 October. Every offer in
the simulation is outstanding at the forecast date and answered between it and 1 October.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fairfollow.instants import JST

DAY_MS = 86_400_000


def jst_ms(year: int, month: int, day: int, hour: int = 0) -> int:
    """The instant of a JST wall-clock time, in ms since the epoch."""
    return int(datetime(year, month, day, hour, tzinfo=JST).timestamp() * 1000)


def iso_jst(ms: int) -> str:
    """ISO 8601 with the +09:00 offset the site logs in."""
    return datetime.fromtimestamp(ms / 1000, tz=JST).isoformat(timespec="seconds")


def iso_utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SeasonCalendar:
    """Key instants of one season (class graduating in ``season``)."""

    season: int
    events_from: int
    events_to: int  # exclusive: nothing is logged at or after it
    registration_from: int
    main_open: int
    offers_from: int
    offers_to: int
    forecast_date: int
    answers_by: int

    @property
    def is_current(self) -> bool:
        return self.events_to == self.forecast_date


PREVIOUS = SeasonCalendar(
    season=2019,
    events_from=jst_ms(2018, 3, 1),
    events_to=jst_ms(2019, 1, 1),
    registration_from=jst_ms(2018, 3, 1),
    main_open=jst_ms(2018, 3, 1),
    offers_from=jst_ms(2018, 5, 15),
    offers_to=jst_ms(2018, 7, 10),
    forecast_date=jst_ms(2018, 7, 15),
    answers_by=jst_ms(2018, 10, 1),
)

CURRENT = SeasonCalendar(
    season=2020,
    events_from=jst_ms(2018, 6, 1),
    events_to=jst_ms(2019, 7, 15),
    registration_from=jst_ms(2018, 6, 1),
    main_open=jst_ms(2019, 3, 1),
    offers_from=jst_ms(2019, 5, 15),
    offers_to=jst_ms(2019, 7, 10),
    forecast_date=jst_ms(2019, 7, 15),
    answers_by=jst_ms(2019, 10, 1),
)

SEASONS = (PREVIOUS, CURRENT)

# The privacy-policy revision that added the employer-forecast purpose went live here.
POLICY_V1_AT = jst_ms(2018, 3, 1)
POLICY_V2_AT = jst_ms(2019, 3, 1)
