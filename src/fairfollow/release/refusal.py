"""Why the release door refused, as a code and its values an employer's HR staff can act on.

The door returns a refusal as a reason (:mod:`fairfollow.release.door`) and, when the legal
rules refused, the rule engine's decision. :func:`refusal_of` turns them into a
:class:`Refusal`: a ``release.refused.*`` code with its parameters, and the rules that
blocked the release (never the ones that allowed it). The adapters word it in the reader's
language through :mod:`fairfollow.messages`. Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fairfollow.law.rules import Decision, Outcome
from fairfollow.release.budget import Budget
from fairfollow.release.figures import MIN_POOL


@dataclass(frozen=True)
class BlockingRule:
    """A rule that denied (or could not be decided): its summary in both languages."""

    summary_en: str
    summary_ja: str
    citation: str


@dataclass(frozen=True)
class Refusal:
    """Why a release was refused: a stable code, its values, and the blocking rules."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)
    blocking: tuple[BlockingRule, ...] = ()


# What is left below this is a rounding error of summed ε: the budget is used up.
USED_UP = 1e-9

# The door's reasons that have a sentence of their own (release.refused.<reason>).
REASONS = frozenset(
    {
        "instant_before_ledger_clock",
        "epsilon_out_of_range",
        "unknown_service",
        "not_approved",
        "purpose_gap",
        "no_pool",
        "pool_too_small",
        "consent_unknown_purpose",
        "budget_exhausted",
        "rules_deny",
        "rules_gap",
        "individual_release_refused",
    }
)


def blocking_rules(decision: Decision | None) -> tuple[BlockingRule, ...]:
    """The rules that denied, else those left undecided (nothing when allowed)."""
    if decision is None:
        return ()
    found = decision.with_outcome(Outcome.DENY) or decision.with_outcome(Outcome.GAP)
    return tuple(BlockingRule(r.summary_en, r.summary_ja, r.citation) for r in found)


def budget_refusal(
    cap: float, remaining: float, blocking: tuple[BlockingRule, ...] = ()
) -> Refusal:
    """Used up (nothing left) or asked for more than remains (and how much does)."""
    if remaining <= USED_UP:
        return Refusal("release.refused.budget_used_up", {"cap": cap}, blocking)
    return Refusal("release.refused.budget_short", {"remaining": remaining}, blocking)


def refusal_of(
    reason: str, blocking: tuple[BlockingRule, ...] = (), budget: Budget | None = None
) -> Refusal:
    """The refusal of ``reason``; with the season's budget, a budget refusal says whether
    the budget is used up or the request asked for more than remains (and how much)."""
    if reason == "budget_exhausted" and budget is not None:
        return budget_refusal(budget.cap, budget.remaining, blocking)
    if reason == "pool_too_small":
        return Refusal("release.refused.pool_too_small", {"minimum": MIN_POOL}, blocking)
    if reason in REASONS:
        return Refusal(f"release.refused.{reason}", {}, blocking)
    return Refusal("release.refused.unknown", {"reason": reason}, blocking)
