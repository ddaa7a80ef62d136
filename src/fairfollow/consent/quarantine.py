"""The consent log's quarantine: rejected rows kept with no identifier in clear.

A consent row the ingest refuses (:func:`fairfollow.consent.ingest.read_consent_events`) is
kept in ``consent_quarantine`` with its file and 0-based row, its reason code, the field the
reason is about (:data:`FIELDS`) and its cells as a JSON object. Cells that identify a person
(:data:`IDENTIFIERS`: the member id) are kept only as ``hmac:`` and a keyed hash under the
workspace's matching key; every other cell stays as the file had it, so that an operator can
see what was wrong and fix the log.

A member id that is an integer is hashed as the suppression list hashes it
(:func:`fairfollow.consent.suppression_store.member_hash`): a later ingest leaves out the
quarantined rows of an erased member, and an erasure finds and deletes them, by the hash
alone. Any other text is hashed as the intake's quarantine hashes a cell
(:func:`fairfollow.keys.keyed_hash` in the domain ``quarantine``). Either way an operator
holding the key can recognise a row that is sent again; without it nobody can test guesses.

Rows kept before identifiers were hashed (no field recorded) are rewritten by the next
ingest (:func:`redact_legacy`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from fairfollow.consent import store as consent_store
from fairfollow.consent.store import QuarantinedRow
from fairfollow.consent.suppression_store import HASH_PREFIX, member_hash
from fairfollow.keys import keyed_hash
from fairfollow.ledger.transaction import Connection

COLUMNS = (
    "consent_event_id",
    "member_id",
    "purpose_key",
    "action",
    "screen_id",
    "version_recorded",
    "occurred_at",
    "method",
)
IDENTIFIERS = frozenset({"member_id"})
# The field each reason code is about (the checks of read_consent_events, in their order).
FIELDS = {
    "bad_timestamp": "occurred_at",
    "unknown_member": "member_id",
    "unknown_purpose": "purpose_key",
    "unknown_action": "action",
    "unknown_screen": "screen_id",
    "duplicate_event_id": "consent_event_id",
}
TEXT_KIND = "quarantine"  # the hash domain of a cell that is not an integer member id
_INTEGER = re.compile(r"^\s*-?[0-9]{1,18}\s*$")


def keyed_cell(key: bytes, text: str | None) -> str | None:
    """An identifier as the quarantine keeps it (blank and missing cells stay as they were)."""
    if text is None or not text.strip():
        return text
    if text.startswith(HASH_PREFIX):
        return text
    if _INTEGER.match(text):
        return HASH_PREFIX + member_hash(key, int(text))
    return HASH_PREFIX + keyed_hash(key, TEXT_KIND, text)


def quarantined_row(
    key: bytes, source_file: str, source_row: int, reason: str, cells: Sequence[str | None]
) -> QuarantinedRow:
    """One refused row of ``source_file`` (cells in :data:`COLUMNS` order) as it is kept."""
    values = {
        column: keyed_cell(key, cell) if column in IDENTIFIERS else cell
        for column, cell in zip(COLUMNS, cells, strict=True)
    }
    raw = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return QuarantinedRow(source_file, source_row, reason, FIELDS.get(reason, ""), raw)


def redact_legacy(conn: Connection, key: bytes) -> int:
    """Rewrite the rows kept before identifiers were hashed; returns how many."""
    updates = []
    for quarantine_id, reason, raw in consent_store.legacy_quarantined(conn):
        try:
            cells = json.loads(raw)
        except ValueError:
            cells = None
        if isinstance(cells, list) and len(cells) == len(COLUMNS):
            texts = [None if c is None else str(c) for c in cells]
            row = quarantined_row(key, "", 0, reason, texts)
            updates.append((quarantine_id, row.field, row.raw))
        else:  # not the form the ingest wrote: nothing in it can be told apart, none stays
            hidden = keyed_cell(key, raw) or ""
            updates.append((quarantine_id, FIELDS.get(reason, ""), json.dumps({"raw": hidden})))
    return consent_store.rewrite_quarantined(conn, updates)
