"""Consent coverage of a purpose at an instant, with its member-id policy.

Staff and the auditor see the counts by reason and by screen (``consent.coverage``); only
those allowed ``consent.member_ids`` (the privacy officer, an operator) get the ids of the
members lacking consent — for anyone else the outcome holds no id at all, so no adapter can
show one. Asking for the ids (the follow-up CSV, ``--ids-out``) without that right is
refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, check, permits
from fairfollow.consent import policy_store
from fairfollow.consent.coverage import CoverageReport, coverage
from fairfollow.errors import InputError
from fairfollow.law.purposes import PurposeKey
from fairfollow.ledger.transaction import Engine, reading

INLINE_IDS = 10_000  # more ids than this go to a file, never inline in a JSON answer


@dataclass(frozen=True)
class CoverageAsk:
    """Which purpose (empty: the one the release door checks) at which instant, and
    whether the caller needs the member ids (refused without the right)."""

    purpose: str
    at: datetime
    ids: bool = False


@dataclass(frozen=True)
class Coverage:
    report: CoverageReport  # without member ids unless ``may_see_ids``
    purposes: tuple[str, ...]
    may_see_ids: bool

    @property
    def ids_inline(self) -> bool:
        """Whether the ids fit in an answer (else they go to a file)."""
        return self.may_see_ids and len(self.report.lacking) <= INLINE_IDS

    def as_json(self, *, inline: bool) -> dict[str, object]:
        """The report; the ids inline when asked for, allowed, and not too many."""
        return self.report.as_json(with_ids=inline and self.ids_inline)


def consent_coverage(principal: Principal | None, ask: CoverageAsk, engine: Engine) -> Coverage:
    """Who has valid consent for the purpose at the instant, who does not and why."""
    # Asking for the ids is the narrower action: its refusal is the one to give (as the
    # web's CSV of lacking members does), and whoever may see ids may see the coverage.
    check(principal, Action.CONSENT_MEMBER_IDS if ask.ids else Action.CONSENT_COVERAGE)
    may_see_ids = permits(principal, Action.CONSENT_MEMBER_IDS)
    with reading(engine, "consent coverage") as conn:
        purposes = tuple(sorted(policy_store.load_purposes(conn)))
        chosen = _purpose(ask.purpose, purposes)
        report = coverage(conn, chosen, ask.at)
    if not may_see_ids:
        report = replace(report, member_ids={})
    return Coverage(report, purposes, may_see_ids)


def _purpose(given: str, purposes: tuple[str, ...]) -> str:
    # The purpose the release door checks comes first: it is the one employers see.
    default = PurposeKey.EMPLOYER_FORECAST if PurposeKey.EMPLOYER_FORECAST in purposes else ""
    chosen = given or default or (purposes[0] if purposes else "")
    if chosen not in purposes:
        raise InputError("usecases.unknown_purpose", purpose=chosen, known=", ".join(purposes))
    return chosen
