"""The one settings object, read from the environment (``FAIRFOLLOW_`` prefix) at the edge."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fairfollow.errors import ConfigError
from fairfollow.instants import zone_named

PREFIX = "FAIRFOLLOW_"
# Hard maxima in code (issue 27: an operator's typo or a hostile environment lifted the
# "hard" ε ceilings). A setting may lower a limit, never raise it past these: above them
# the noise no longer hides one person, or one upload costs the server what anyone can send.
HARD_MAXIMA: Mapping[str, float] = {
    "release_epsilon_max": 2.0,
    "release_epsilon_min": 2.0,
    "budget_cap_ceiling": 8.0,
    "member_season_cap": 8.0,
    "intake_max_bytes": 64 * 1024 * 1024,
}
# A URL prefix without scheme: a host name, then path segments; no "+" or space, so it is
# also a valid signed-note key name (the log's key is named after its origin).
_ORIGIN = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[A-Za-z0-9._~%!$&'()*,;=:@-]+)*")


class Settings(BaseSettings):
    """Everything configurable. Built once in the CLI or web entry point and passed down."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    home: Path = Field(
        default=Path("./fairfollow-data"),
        description="Workspace directory: analytics store, ledger database and keys.",
    )
    ledger_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the ledger; default a SQLite file in the workspace. "
        "Production: postgresql+psycopg://user@host/db.",
    )
    duckdb_memory_limit: str = Field(
        default="6GB", description="DuckDB memory_limit for analytics work."
    )
    duckdb_threads: int = Field(default=2, ge=1, description="DuckDB worker threads.")
    token: SecretStr | None = Field(
        default=None,
        description="Account token for staff commands, from `fairfollow account login` "
        "(the ledger keeps only its SHA-256).",
    )
    log_public_key: str | None = Field(
        default=None,
        description="The transparency log's verifier key (`fairfollow log export-key`), pinned "
        "outside the ledger and the workspace: `log audit` and `log verify` check against it, "
        "so a replaced key file that re-signed every checkpoint is caught.",
    )
    log_origin: str | None = Field(
        default=None,
        description="The transparency log's origin when a log is created: the URL prefix, "
        "without scheme, where its tiles are served, unique and never changing (e.g. "
        "log.example.jp/fairfollow/2020). A log that exists keeps the origin it was created "
        "with; default fairfollow.local/log-<key hash>.",
    )
    intake_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1,
        description="Largest employer list `intake` accepts, in bytes (a larger one is refused).",
    )
    rights_due_days: dict[str, int] = Field(
        default_factory=dict,
        description="Days allowed per data-subject request kind (JSON, e.g. "
        '{"erasure": 10}); unset kinds take the law\'s default (APPI 14 days, GDPR one month).',
    )
    rights_show_own_probability: bool = Field(
        default=False,
        description="Whether a member's disclosure export includes the model's internal "
        "probability for their own offers (never shown to an employer).",
    )
    release_epsilon_min: float = Field(
        default=0.05,
        gt=0,
        description="Smallest ε one release may spend; a request below it is refused "
        "(a vanishing ε buys a useless figure and hides a mistyped request).",
    )
    release_epsilon_max: float = Field(
        default=2.0,
        gt=0,
        description="Largest ε one release may spend; a request above it is refused "
        "(above it the noise no longer hides one person's presence).",
    )
    budget_cap_ceiling: float = Field(
        default=8.0,
        gt=0,
        description="Hard ceiling of any employer's season ε cap; no cap change may exceed it.",
    )
    member_season_cap: float = Field(
        default=8.0,
        gt=0,
        description="ε a member's data may be used for per season over all employers and "
        "services (the per-member odometer); past it the member counts at the base rate.",
    )
    web_session_idle_minutes: int = Field(
        default=30,
        ge=1,
        description="Minutes a web session may sit unused before it ends (sign in again).",
    )
    web_session_hours: int = Field(
        default=12,
        ge=1,
        description="Hours a web session lasts at most, however busy (the absolute timeout).",
    )
    language: Literal["ja", "en"] = Field(
        default="ja",
        description="Language of the command line's messages and errors (ja or en); the web "
        "pages follow each visitor's choice instead.",
    )
    action_log: Path | None = Field(
        default=None,
        description="File the command line appends one JSON line per command to (request "
        "id, action, account id, outcome, error code; no personal data). The web server "
        "writes its request and action lines to stderr.",
    )
    display_zone: str = Field(
        default="Asia/Tokyo",
        description="IANA time zone in which times are shown to people (CLI tables and "
        "messages); machine output (--json) stays ISO 8601 with the offset.",
    )

    @field_validator("log_origin")
    @classmethod
    def _origin_is_a_url_prefix(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _ORIGIN.fullmatch(value):
            raise ConfigError(
                "foundation.log_origin_invalid", variable="FAIRFOLLOW_LOG_ORIGIN", value=value
            )
        return value

    @field_validator("display_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone_named(value)  # ConfigError naming the setting, not a pydantic error
        return value

    @field_validator(*HARD_MAXIMA)
    @classmethod
    def _within_hard_maximum(cls, value: float, info: ValidationInfo) -> float:
        maximum = HARD_MAXIMA[info.field_name or ""]
        if not value <= maximum:  # NaN fails too
            raise ConfigError(
                "settings.over_hard_maximum",
                setting=PREFIX + (info.field_name or "").upper(),
                value=value,
                maximum=maximum,
            )
        return value

    @model_validator(mode="after")
    def _epsilon_range(self) -> Settings:
        if self.release_epsilon_min > self.release_epsilon_max:
            raise ConfigError(
                "settings.epsilon_range_empty",
                setting=PREFIX + "RELEASE_EPSILON_MIN",
                minimum=self.release_epsilon_min,
                maximum=self.release_epsilon_max,
            )
        return self
