"""The workspace: one directory that holds the analytics store, the ledger and the keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fairfollow.errors import ConfigError
from fairfollow.settings import Settings


@dataclass(frozen=True)
class Workspace:
    """Paths inside a workspace directory. Creating it is explicit (:meth:`ensure`)."""

    root: Path
    ledger_url_override: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Workspace:
        return cls(
            root=settings.home.expanduser().resolve(), ledger_url_override=settings.ledger_url
        )

    @property
    def analytics_dir(self) -> Path:
        return self.root / "analytics"

    @property
    def duckdb_path(self) -> Path:
        return self.analytics_dir / "store.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.analytics_dir / "tables"

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def checkpoint_file(self) -> Path:
        """Every signed log checkpoint, appended outside the database."""
        return self.root / "log-checkpoints.txt"

    @property
    def ledger_url(self) -> str:
        if self.ledger_url_override:
            return self.ledger_url_override
        return f"sqlite:///{self.root / 'ledger.sqlite'}"

    def creates_ledger(self) -> bool:
        """Whether opening the ledger now would create it (the embedded file is not there yet)."""
        return self.ledger_url_override is None and not (self.root / "ledger.sqlite").exists()

    def ensure(self) -> Workspace:
        """Create the directory tree; fail with a clear message if the path is unusable."""
        try:
            for path in (
                self.analytics_dir,
                self.parquet_dir,
                self.keys_dir,
                self.models_dir,
                self.reports_dir,
            ):
                path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create workspace at {self.root}: {exc}") from exc
        return self
