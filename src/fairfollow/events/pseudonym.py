"""The analytics store's keyed hashes: how an identifier is kept where it must not be clear.

The workspace's pseudonym key (:class:`fairfollow.keys.KeyFile`, created once, mode 0600) keys
every hash the store keeps instead of an identifier: the suppression list of erased members and
cookies (:mod:`fairfollow.events.suppression`) and the identifiers of quarantined rows
(:mod:`fairfollow.events.batch`). A hash is :func:`fairfollow.keys.keyed_hash` of the trimmed
value with the column's name as its domain (:func:`value_hash`), so the same member id gives
the same hash in both places: an erasure finds the member's quarantined rows by it, and an
operator holding the key can recognise a row that is sent again. Keyed hashes are pseudonyms
and remain personal data; without the key nobody can test guesses against them.

A quarantine row written before identifiers were hashed (no ``field`` recorded) is rewritten
by the next ingest (:func:`redact_row`), so an upgraded store keeps no identifier in clear.
"""

from __future__ import annotations

import json

from fairfollow.events.hash_migration import migrate_store_hashes
from fairfollow.events.schema import TableSpec
from fairfollow.keyfile import load_or_create_secret
from fairfollow.keys import KeyFile, keyed_hash
from fairfollow.workspace import Workspace

KEY_FILE = KeyFile.PSEUDONYM.value
HASH_PREFIX = "hmac:"  # marks a quarantined cell kept as its keyed hash


def store_key(workspace: Workspace) -> bytes:
    """The workspace's secret for the store's keyed hashes (created once, mode 0600).

    A store still hashed under its former key is migrated first
    (:mod:`fairfollow.events.hash_migration`)."""
    workspace.keys_dir.mkdir(parents=True, exist_ok=True)
    migrate_store_hashes(workspace)
    return load_or_create_secret(KeyFile.PSEUDONYM.at(workspace.keys_dir))


def value_hash(key: bytes, column: str, value: object) -> str:
    """The keyed hash of one value of ``column`` (a suppressed ``member_id`` or ``cookie_id``,
    or any identifier of a quarantined row)."""
    text = str(value).strip()
    return keyed_hash(key, column, text)


def keyed_cell(key: bytes, column: str, value: object) -> object:
    """An identifier as a quarantine row keeps it: ``hmac:`` and its :func:`value_hash`.

    Missing and blank cells stay as they were, so the row still shows what was absent; a
    cell already hashed is left alone."""
    if value is None or not str(value).strip():
        return value
    if isinstance(value, str) and value.startswith(HASH_PREFIX):
        return value
    return HASH_PREFIX + value_hash(key, column, value)


def redact_row(key: bytes, spec: TableSpec, raw_values: str | None) -> str | None:
    """A quarantine row's JSON with every identifier of ``spec`` replaced by its keyed hash."""
    if raw_values is None:
        return None
    try:
        values = json.loads(raw_values)
    except ValueError:
        # Not the JSON the ingest writes: nothing in it can be told apart, so none of it stays.
        return json.dumps({"unreadable": keyed_cell(key, "unreadable", raw_values)})
    if not isinstance(values, dict):
        return json.dumps({"unreadable": keyed_cell(key, "unreadable", raw_values)})
    hidden = spec.identifiers
    redacted = {
        name: keyed_cell(key, name, value) if name in hidden else value
        for name, value in values.items()
    }
    return json.dumps(redacted, ensure_ascii=False, separators=(",", ":"))
