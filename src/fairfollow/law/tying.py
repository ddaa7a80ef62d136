"""No tying: registration on a job site may not depend on consent to a purpose the job-site
service does not need (pure).

The labour ministry held on 2019-09-06 that students could not realistically refuse a site
that two or three operators dominate, so their consent did not legitimise passing
evaluations to employers; the Employment Security Act Art. 5-5(1) limits job seekers'
information to what the business purpose needs unless the person consents — which, tied to
registration, they cannot freely do. GDPR Art. 7(4) says the same of consent made a
condition of a service it is not necessary for.

A purpose is *necessary for the job-site service* only when its output stays with the
platform or the member and its DPV concept is the service itself (registration, the
account, the service asked for, care and communication). Anything reaching an employer, an
advertiser or any other recipient is never necessary, and may not be a condition of
registering: the activation gate refuses a version or a screen deployment that makes it one,
and a forced activation cannot override it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fairfollow.law.citation import Citation

INTERNAL_RECIPIENTS = frozenset({"platform", "member"})
SERVICE_TERMS = frozenset(
    {
        "dpv:ServiceProvision",
        "dpv:ServiceRegistration",
        "dpv:AccountManagement",
        "dpv:RequestedServiceProvision",
        "dpv:CustomerCare",
        "dpv:CommunicationManagement",
    }
)
MHLW_2019 = "MHLW guidance of 2019-09-06 on job-information sites"
CITATIONS: tuple[Citation, ...] = (
    Citation("ESA", "5-5", "1"),
    Citation("GDPR", "7", "4"),
)
ALSO = MHLW_2019
SUMMARY_JA = (
    "会員登録を、求人サイトの役務に必要でない目的（企業向けの提供など）への同意の条件にしない"
)
SUMMARY_EN = (
    "Registration never depends on consent to a purpose the job-site service does not need "
    "(anything for employers): refused at the activation gate, forced or not"
)


@dataclass(frozen=True)
class TiedPurpose:
    """A purpose that registration requires consent to: on every screen showing the version
    (``screen_id`` None) or on one screen's deployment."""

    purpose_key: str
    recipient_class: str
    dpv_term: str
    screen_id: str | None = None


def necessary(recipient_class: str, dpv_term: str) -> bool:
    """Whether the job-site service itself needs the purpose (fail closed: unknown is not)."""
    return recipient_class.strip().lower() in INTERNAL_RECIPIENTS and dpv_term in SERVICE_TERMS


def tied(required: Iterable[TiedPurpose]) -> tuple[TiedPurpose, ...]:
    """The required purposes registration may not depend on (empty: no tying)."""
    return tuple(
        sorted(
            (p for p in required if not necessary(p.recipient_class, p.dpv_term)),
            key=lambda p: (p.purpose_key, p.screen_id or ""),
        )
    )


def citation_text() -> str:
    """The citations as stored with a refusal (English, with the guidance)."""
    return "; ".join(str(c) for c in CITATIONS) + f"; {ALSO}"


def render_markdown() -> str:
    """The no-tying rule as docs/governance.md states it."""
    return (
        "| rule | citation | what it requires | 要件 |\n|---|---|---|---|\n"
        f"| `consent.no_tying` (activation gate, cannot be forced) | {citation_text()} "
        f"| {SUMMARY_EN} | {SUMMARY_JA} |\n"
    )
