"""The workspace: one directory that holds the analytics store, the ledger and the keys.

A workspace built from a simulated season remembers it (``season.json``: the season
directory and each season's forecast instant, from the season's own ``manifest.json``), so
that commands default to the season's clock and files rather than to today's
(:class:`SeasonOrigin`). On live data there is no origin and the default instant is now.

Paths: a workspace's root is made absolute when the workspace is named (a relative
``--out`` or ``-w`` means the directory it named then, not whatever directory a later
process runs in), and what the workspace writes about itself is relative to its root and
resolved at use (the season directory, when it lies inside the workspace).

The ledger is made once, on purpose: the first time a workspace gets its embedded ledger,
:meth:`Workspace.mark_ledger` leaves ``ledger.json`` beside it. A workspace that has that
mark (or an outside copy of log checkpoints) but no ledger file lost its ledger: nothing
re-creates it silently (:meth:`Workspace.lost_ledger`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fairfollow.errors import ConfigError
from fairfollow.instants import parse_instant

ORIGIN_FILE = "season.json"
LEDGER_FILE = "ledger.sqlite"
LEDGER_MARK = "ledger.json"  # written when the workspace's ledger was made


@dataclass(frozen=True)
class SeasonOrigin:
    """The simulated season a workspace was built from, and its clock."""

    season_dir: Path
    forecast_at: dict[int, datetime]  # each season's forecast instant

    @property
    def current_season(self) -> int:
        return max(self.forecast_at)

    def instant(self, season: int | None = None) -> datetime:
        """The forecast instant of ``season`` (default: the current season)."""
        return self.forecast_at.get(
            self.current_season if season is None else season,
            self.forecast_at[self.current_season],
        )

    @property
    def employers_dir(self) -> Path:
        return self.season_dir / "employers"

    @property
    def truth_offers(self) -> Path:
        return self.season_dir / "truth" / "offers.parquet"

    @classmethod
    def of_season(cls, season_dir: Path) -> SeasonOrigin | None:
        """The origin a season directory describes (None without a ``manifest.json``)."""
        manifest = season_dir / "manifest.json"
        if not manifest.is_file():
            return None
        entries = json.loads(manifest.read_text(encoding="utf-8")).get("seasons", [])
        return cls(
            season_dir.resolve(),
            {int(e["season"]): parse_instant(e["forecast_date"], "forecast_date") for e in entries},
        )


if TYPE_CHECKING:
    from fairfollow.settings import Settings


@dataclass(frozen=True)
class Workspace:
    """Paths inside a workspace directory. Opening it (:meth:`open`) requires it to exist;
    creating it is explicit (:meth:`ensure`), done only by the commands that make one."""

    root: Path
    ledger_url_override: str | None = None
    log_origin: str | None = None  # the origin a log created here gets (FAIRFOLLOW_LOG_ORIGIN)

    def __post_init__(self) -> None:
        # Absolute once, here: every path below (and the DuckDB views, the ledger URL)
        # then names the same files whichever directory a later process runs in.
        object.__setattr__(self, "root", Path(self.root).expanduser().resolve())

    @classmethod
    def from_settings(cls, settings: Settings) -> Workspace:
        return cls(
            root=settings.home.expanduser().resolve(),
            ledger_url_override=settings.ledger_url,
            log_origin=settings.log_origin,
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

    def request_export(self, request_id: int) -> Path:
        """The one folder a completed rights request's export is written to, whichever
        adapter completed it, and which the member's erasure removes."""
        return self.reports_dir / f"rights-request-{request_id}"

    @property
    def checkpoint_file(self) -> Path:
        """Every signed log checkpoint, appended outside the database."""
        return self.root / "log-checkpoints.txt"

    @property
    def ledger_file(self) -> Path:
        """The embedded ledger's file (unused when the ledger is a server's)."""
        return self.root / LEDGER_FILE

    @property
    def ledger_url(self) -> str:
        if self.ledger_url_override:
            return self.ledger_url_override
        return f"sqlite:///{self.ledger_file}"

    def creates_ledger(self) -> bool:
        """Whether opening the ledger now would create it (the embedded file is not there yet)."""
        return self.ledger_url_override is None and not self.ledger_file.exists()

    def lost_ledger(self) -> bool:
        """Whether the embedded ledger is missing from a workspace that had one: the mark
        its making left, or checkpoints of its log published outside, are still here."""
        if not self.creates_ledger():
            return False
        return (self.root / LEDGER_MARK).is_file() or self.checkpoint_file.exists()

    def mark_ledger(self) -> None:
        """Record that this workspace's embedded ledger was made (kept if already there)."""
        if self.ledger_url_override is not None:
            return
        mark = self.root / LEDGER_MARK
        if not mark.exists():
            body = {"ledger": LEDGER_FILE, "made": "once; never re-created silently"}
            mark.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")

    def inside(self, path: Path) -> str:
        """``path`` as the workspace records it: relative to the root when inside it."""
        absolute = Path(path).expanduser().resolve()
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            return str(absolute)

    def resolve(self, recorded: str) -> Path:
        """A path the workspace recorded (:meth:`inside`), as a path to use now."""
        path = Path(recorded)
        return path if path.is_absolute() else self.root / path

    def origin(self) -> SeasonOrigin | None:
        """The season this workspace was built from, if it was built from one."""
        path = self.root / ORIGIN_FILE
        if not path.is_file():
            return None
        recorded = json.loads(path.read_text(encoding="utf-8"))
        return SeasonOrigin(
            self.resolve(recorded["season_dir"]),
            {int(k): parse_instant(v, "forecast_at") for k, v in recorded["forecast_at"].items()},
        )

    def record_origin(self, season_dir: Path) -> SeasonOrigin | None:
        """Remember the season this workspace is built from (nothing for a non-season dir)."""
        found = SeasonOrigin.of_season(season_dir)
        if found is not None:
            body = {
                "season_dir": self.inside(found.season_dir),
                "forecast_at": {str(k): v.isoformat() for k, v in found.forecast_at.items()},
            }
            (self.root / ORIGIN_FILE).write_text(json.dumps(body, indent=2), encoding="utf-8")
        return found

    def exists(self) -> bool:
        """Whether a workspace was made here: a directory with its keys, store or ledger."""
        return self.root.is_dir() and any(
            path.exists() for path in (self.keys_dir, self.analytics_dir, self.ledger_file)
        )

    def open(self) -> Workspace:
        """This workspace, which must exist: a mistyped path is an error, never a new
        empty workspace that then passes every audit."""
        if not self.exists():
            raise ConfigError("foundation.no_workspace", path=str(self.root))
        return self

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
            raise ConfigError(
                "foundation.workspace_not_created", path=str(self.root), reason=str(exc)
            ) from exc
        return self
