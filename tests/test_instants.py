"""Instants for people: the display zone, with its offset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fairfollow.errors import ConfigError
from fairfollow.instants import for_people, in_jst, zone_named


def test_times_for_people_follow_the_display_zone() -> None:
    at = datetime(2019, 7, 15, 0, 0, tzinfo=UTC)
    assert for_people(at) == in_jst(at) == "2019-07-15T09:00:00+09:00"
    assert for_people(at, zone_named("Europe/Berlin")) == "2019-07-15T02:00:00+02:00"
    assert for_people(at, zone_named("UTC")) == "2019-07-15T00:00:00+00:00"


def test_an_unknown_zone_is_a_config_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="display_zone"):
        zone_named("Asia/Atlantis")
    with pytest.raises(ConfigError, match="display_zone"):
        zone_named("../etc/passwd")
