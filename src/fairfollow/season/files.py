"""Writers for the simulator's output files (formats in ``docs/season-format.md``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from numpy.typing import NDArray

JST_OFFSET_MS = 9 * 3_600_000


def iso_jst_array(ms: NDArray[np.int64]) -> NDArray[np.str_]:
    """Vectorised ISO 8601 with the +09:00 offset the site logs in."""
    local = (ms + JST_OFFSET_MS).astype("datetime64[ms]")
    return np.char.add(np.datetime_as_string(local, unit="s"), "+09:00")


def write_csv(path: Path, columns: dict[str, object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = columns if isinstance(columns, pa.Table) else pa.table(columns)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    return path


def write_parquet(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed writer settings keep files byte-identical for the same seed.
    pq.write_table(
        table,
        path,
        compression="zstd",
        row_group_size=1_000_000,
        write_statistics=True,
        store_schema=True,
    )
    return path


def write_json(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` except the manifest, by relative path."""
    return {
        str(p.relative_to(root)): sha256_of(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
