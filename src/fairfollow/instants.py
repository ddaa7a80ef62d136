"""Instants: aware datetimes in UTC inside, JST with its offset for people.

Every instant FairFollow stores or compares is timezone-aware. A naive time is refused,
never guessed, because its offset would be a guess (a 2019 JST evening is the next UTC day).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fairfollow.errors import ConfigError, InputError

JST = timezone(timedelta(hours=9), "JST")


def utc(at: datetime) -> datetime:
    """``at`` in UTC; a naive time is refused because its offset would be a guess."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError("foundation.instant_naive", value=at.isoformat())
    return at.astimezone(UTC)


def parse_instant(text: str, what: str = "time") -> datetime:
    """An ISO 8601 instant with its offset (``2019-06-01T10:00+09:00`` or ``…Z``), in UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError("foundation.instant_malformed", what=what, value=text) from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InputError("foundation.instant_no_offset", what=what, value=text)
    return parsed.astimezone(UTC)


def in_jst(at: datetime) -> str:
    """``at`` as people here read it: JST with the offset, to the second."""
    return for_people(at, JST)


def for_people(at: datetime, zone: tzinfo = JST) -> str:
    """``at`` for a person, in the display zone (setting ``display_zone``) with its offset."""
    return utc(at).astimezone(zone).isoformat(timespec="seconds")


def zone_named(name: str, setting: str = "display_zone") -> tzinfo:
    """The IANA time zone ``name``; ConfigError naming ``setting`` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            "foundation.zone_unknown",
            setting=setting,
            variable=f"FAIRFOLLOW_{setting.upper()}",
            value=name,
        ) from exc
