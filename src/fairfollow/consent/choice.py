"""A member's own consent decisions, made on the site's settings page, and where each stands.

The member portal (``/me``) is the site's settings page for reviewing and changing consent
(screen ``settings_page``, the screen the season's members already withdraw and re-consent
on). It shows the member, per purpose, whether their consent is valid now and why
(:func:`fairfollow.consent.validity.evaluate`), on which screen they decided and the policy
text that screen displayed, and lets them withdraw or grant again:

- a **withdrawal** is always accepted (APPI Art. 27(1), 35(5); GDPR Art. 7(3): withdrawing
  is as easy as giving) and ends the consent from that instant: the release door evaluates
  consent at every release, so the next release for any employer leaves the member out;
- a **grant** counts only if the settings page displays, at that instant, a policy version
  covering the purpose (consent is evaluated, never assumed): the page shows that
  version's text, which is what the deploy log says the screen displays; a page
  displaying none refuses the grant.

Each decision is one appended consent event (:func:`fairfollow.consent.store.record_event`),
never an update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fairfollow.consent import gpc_store, policy_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.gpc import shares_beyond_site
from fairfollow.consent.policy import PolicyVersion, Purpose, Screen, displayed_version
from fairfollow.consent.validity import (
    REASON_INFO,
    ConsentAction,
    ConsentEvent,
    ReasonInfo,
    Verdict,
    evaluate,
)
from fairfollow.errors import InputError
from fairfollow.instants import utc
from fairfollow.ledger.transaction import Connection

PORTAL_SCREEN = Screen(
    "settings_page",
    "settings",
    "設定ページ（同意の確認・変更）",
    "Settings page (review and change consent)",
)
PORTAL_METHOD = "member_portal"
GRANT_CITATION = "APPI Art. 17(1), 21(1), 27(1)"
WITHDRAW_CITATION = "APPI Art. 27(1), 35(5); GDPR Art. 7(3)"


class Choice(StrEnum):
    """What a member may do from the portal."""

    WITHDRAW = "withdraw"
    GRANT = "grant"


@dataclass(frozen=True)
class Decided:
    """One past decision of the member, with the screen and the text it displayed then."""

    event: ConsentEvent
    screen: Screen | None
    version_shown: PolicyVersion | None


@dataclass(frozen=True)
class PurposeStanding:
    """Where the member stands for one purpose at one instant, and what the portal offers."""

    purpose: Purpose
    verdict: Verdict
    reason: ReasonInfo
    decided: Decided | None  # the deciding event (None: never asked)
    history: tuple[Decided, ...]
    portal_version: PolicyVersion | None  # what the settings page displays now

    @property
    def can_grant(self) -> bool:
        """A grant here would be valid: the page displays a version covering the purpose."""
        return self.portal_version is not None and self.portal_version.covers(self.purpose.key)

    @property
    def can_withdraw(self) -> bool:
        return self.verdict.valid


@dataclass(frozen=True)
class ChoiceResult:
    """A decision just recorded and the member's standing for the purpose right after."""

    event: ConsentEvent
    standing: PurposeStanding
    citation: str


def _known(conn: Connection, member_id: int) -> None:
    if not any(m.member_id == member_id for m in consent_store.load_members(conn)):
        raise InputError("consent.member_unknown", member=member_id)


def standings(conn: Connection, member_id: int, at: datetime) -> list[PurposeStanding]:
    """The member's standing for every purpose of the ledger at ``at``."""
    at = utc(at)
    _known(conn, member_id)
    purposes = policy_store.load_purposes(conn)
    versions = policy_store.load_versions(conn)
    screens = policy_store.load_screens(conn)
    deployments = policy_store.load_deployments(conn)
    events = [
        e for e in consent_store.load_events(conn, member_id=member_id) if e.occurred_at <= at
    ]
    portal = displayed_version(deployments, PORTAL_SCREEN.screen_id, at)

    def decided(event: ConsentEvent) -> Decided:
        shown = displayed_version(deployments, event.screen_id, event.occurred_at)
        return Decided(event, screens.get(event.screen_id), versions.get(shown) if shown else None)

    out = []
    for key, purpose in purposes.items():
        verdict = evaluate(member_id, key, at, events, deployments, versions)
        mine = tuple(decided(e) for e in events if e.purpose_key == key)
        deciding = next((d for d in mine if d.event.event_id == verdict.event_id), None)
        out.append(
            PurposeStanding(
                purpose,
                verdict,
                REASON_INFO[verdict.reason],
                deciding,
                mine,
                versions.get(portal) if portal else None,
            )
        )
    return out


def standing(conn: Connection, member_id: int, purpose_key: str, at: datetime) -> PurposeStanding:
    for found in standings(conn, member_id, at):
        if found.purpose.key == purpose_key:
            return found
    raise InputError("consent.purpose_unknown", purpose=purpose_key)


def choose(
    conn: Connection,
    member_id: int,
    purpose_key: str,
    choice: Choice,
    at: datetime,
    *,
    gpc: bool = False,
) -> ChoiceResult:
    """Record the member's withdrawal or grant on the settings page (module docstring).
    ``gpc``: the browser sent ``Sec-GPC: 1``; a grant of a purpose sharing beyond the site
    is kept and recorded as a conflict with the signal (:mod:`fairfollow.consent.gpc`)."""
    at = utc(at)
    if gpc:
        gpc_store.note_signal(conn, member_id, True, at)
    if PORTAL_SCREEN.screen_id not in policy_store.load_screens(conn):  # a season's site has it
        policy_store.add_screens(conn, [PORTAL_SCREEN])
    before = standing(conn, member_id, purpose_key, at)
    if choice is Choice.GRANT:
        if not before.can_grant:
            if before.portal_version is None:
                raise InputError("consent.grant_no_version", purpose=purpose_key)
            raise InputError(
                "consent.grant_not_covered",
                purpose=purpose_key,
                version=before.portal_version.version_id,
            )
        action, citation = ConsentAction.GRANT, GRANT_CITATION
        version = before.portal_version.version_id if before.portal_version else None
    else:
        action, citation, version = ConsentAction.WITHDRAW, WITHDRAW_CITATION, None
    event = consent_store.record_event(
        conn,
        ConsentEvent(
            0, member_id, purpose_key, action, PORTAL_SCREEN.screen_id, version, at, PORTAL_METHOD
        ),
    )
    if gpc and action is ConsentAction.GRANT and shares_beyond_site(before.purpose):
        gpc_store.record_conflict(conn, member_id, purpose_key, event.event_id, at)
    return ChoiceResult(event, standing(conn, member_id, purpose_key, at), citation)
