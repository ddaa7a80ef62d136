"""The version of the rule packs: a digest of every rule's text, citation and dates (pure).

A change of any rule — a new rule, a reworded summary, a date moved or a source's status
changed (the Digital Omnibus published, say) — changes the version; the platform logs each
new version as a transparency-log leaf, so anyone can see which rules were in force when a
decision was made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from fairfollow import canonical_json
from fairfollow.canonical_json import JsonValue
from fairfollow.law.dating import as_json
from fairfollow.law.rules import Rule


def pack_summary(rules: Sequence[Rule]) -> list[JsonValue]:
    """What the version covers, rule by rule (also the body of the log leaf)."""
    return [
        {
            "rule": r.rule_id,
            "pack": r.pack,
            "citation": r.citation,
            "summary_en": r.summary_en,
            "summary_ja": r.summary_ja,
            "mandatory": r.mandatory,
            "dates": as_json(r.dates),
        }
        for r in rules
    ]


def pack_version(rules: Sequence[Rule]) -> str:
    return hashlib.sha256(canonical_json.dumps(pack_summary(rules))).hexdigest()
