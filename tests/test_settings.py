from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_core import PydanticUndefined

from fairfollow.settings import Settings


def test_environment_prefix_sets_the_workspace_and_ledger(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAIRFOLLOW_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("FAIRFOLLOW_LEDGER_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert settings.home == tmp_path / "ws"
    assert settings.ledger_url == "postgresql+psycopg://u@h/db"


def test_defaults_are_a_local_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRFOLLOW_HOME", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    settings = Settings()
    assert settings.home == Path("./fairfollow-data")
    assert settings.ledger_url is None


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"


def test_every_setting_is_in_the_settings_page_with_its_default() -> None:
    # The release limits (ε range, cap ceiling, member cap) are settings; each must be
    # documented. Fails on the code before this change (no page, no such settings).
    page = (Path(__file__).parents[1] / "docs" / "settings.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in page.splitlines()
        if line.startswith("| `FAIRFOLLOW_")
    }
    for name, field in Settings.model_fields.items():
        variable = f"FAIRFOLLOW_{name.upper()}"
        assert variable in rows, f"{variable} is not on docs/settings.md"
        if field.default not in (None, PydanticUndefined) and not isinstance(field.default, Path):
            assert f"`{field.default}`" in rows[variable], f"{variable}: default not stated"


def test_release_limits_come_from_the_settings() -> None:
    from fairfollow.release.budget import DEFAULT_LIMITS, PrivacyLimits

    assert PrivacyLimits.from_settings(Settings()) == DEFAULT_LIMITS
    custom = Settings(release_epsilon_max=0.5, member_season_cap=3.0)
    limits = PrivacyLimits.from_settings(custom)
    assert limits.epsilon_max == 0.5 and limits.member_cap == 3.0
    assert not limits.epsilon_allowed(1.0) and limits.epsilon_allowed(0.5)


def test_the_display_zone_defaults_to_tokyo_and_refuses_an_unknown_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fairfollow.errors import ConfigError

    monkeypatch.delenv("FAIRFOLLOW_DISPLAY_ZONE", raising=False)
    assert Settings().display_zone == "Asia/Tokyo"
    monkeypatch.setenv("FAIRFOLLOW_DISPLAY_ZONE", "Europe/Berlin")
    assert Settings().display_zone == "Europe/Berlin"
    monkeypatch.setenv("FAIRFOLLOW_DISPLAY_ZONE", "Mars/Olympus")
    with pytest.raises(
        ConfigError,
        match=r"foundation\.zone_unknown .*'display_zone'.*'Mars/Olympus'.*FAIRFOLLOW_DISPLAY_ZONE",
    ):
        Settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FAIRFOLLOW_RELEASE_EPSILON_MAX", "50"),
        ("FAIRFOLLOW_RELEASE_EPSILON_MIN", "3"),
        ("FAIRFOLLOW_BUDGET_CAP_CEILING", "1e6"),
        ("FAIRFOLLOW_MEMBER_SEASON_CAP", "inf"),
        ("FAIRFOLLOW_INTAKE_MAX_BYTES", str(200 * 1024 * 1024)),
    ],
)
def test_no_setting_passes_the_hard_maxima_in_the_code(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    # Issue 27: "hard" ceilings were environment settings without a bound. Fails on
    # aa80ea0 (each value was accepted).
    from fairfollow.errors import ConfigError
    from fairfollow.messages.sentence import of_error

    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as refused:
        Settings()
    from fairfollow.settings import HARD_MAXIMA

    assert refused.value.code == "settings.over_hard_maximum"
    assert refused.value.params["setting"] == variable
    name = variable.removeprefix("FAIRFOLLOW_").lower()
    assert refused.value.params["maximum"] == HARD_MAXIMA[name]
    for language in ("ja", "en"):
        sentence = of_error(refused.value, language)
        assert variable in sentence and "settings." not in sentence


def test_a_setting_may_lower_a_limit_to_the_maximum_or_below(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fairfollow.errors import ConfigError
    from fairfollow.settings import HARD_MAXIMA

    at_most = Settings(**{name: maximum for name, maximum in HARD_MAXIMA.items()})  # type: ignore[arg-type]
    assert at_most.release_epsilon_max == HARD_MAXIMA["release_epsilon_max"]
    assert Settings(release_epsilon_max=0.5, release_epsilon_min=0.1).release_epsilon_max == 0.5
    with pytest.raises(ConfigError) as empty:
        Settings(release_epsilon_max=0.5, release_epsilon_min=1.0)
    assert empty.value.code == "settings.epsilon_range_empty"
