"""The packs' rules with their dates attached (each rule's own, else its law's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fairfollow.law.dating import LAW_DATES, RULE_DATES
from fairfollow.law.rules import Rule


def with_dates(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """Each rule with its dates: its own, else its law's (a rule already dated keeps them)."""
    return tuple(
        r if r.dates else replace(r, dates=RULE_DATES.get(r.rule_id, LAW_DATES.get(r.law, ())))
        for r in rules
    )
