"""The purposes FairFollow's own services are built on, as named keys, and the recipient
class each one was stated for (pure).

A purpose's text, analysis, output and recipient class live in the policy versions members
are shown; these are only the stable keys code refers to, so that one purpose is spelled one
way everywhere (consent evaluation, the release door, intake, the pages).

The registry (:data:`RECIPIENT_OF`) is what members consented to: ``statistics`` was stated
for the platform itself, so a member's consent to it says nothing about an employer. A
service's declaration cannot change that by writing another recipient class next to the
key (APPI Art. 18(1), 27(1)): :func:`covers` reads the registry, never the declaration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from fairfollow.law.citation import Citation


class PurposeKey(StrEnum):
    # An aggregate forecast of acceptances given to the employer that made the offers.
    EMPLOYER_FORECAST = "employer_forecast"
    # Statistics the platform keeps for itself (recipient class ``platform``).
    STATISTICS = "statistics"
    # The partner site's cookies were collected for ad delivery (the 2019 case).
    AD_DELIVERY = "ad_delivery"
    # The job-information service itself: listings and notices to the member.
    PLATFORM_SERVICE = "platform_service"


class RecipientClass(StrEnum):
    """Who receives a purpose's output, as the policy versions state it."""

    MEMBER = "member"
    PLATFORM = "platform"
    CLIENT_EMPLOYER = "client_employer"


# Only the platform itself and the member are inside; anything else is a third party.
INTERNAL: frozenset[str] = frozenset({RecipientClass.MEMBER, RecipientClass.PLATFORM})

RECIPIENT_OF: Mapping[str, RecipientClass] = {
    PurposeKey.EMPLOYER_FORECAST: RecipientClass.CLIENT_EMPLOYER,
    PurposeKey.STATISTICS: RecipientClass.PLATFORM,
    PurposeKey.AD_DELIVERY: RecipientClass.MEMBER,
    PurposeKey.PLATFORM_SERVICE: RecipientClass.MEMBER,
}

# Use within the purpose consented to (Art. 18(1)); provision only with consent covering the
# recipient (Art. 27(1)).
BINDING_CITATIONS: tuple[Citation, ...] = (Citation("APPI", "18", "1"), Citation("APPI", "27", "1"))

_SEPARATORS = re.compile(r"[\s\-]+")


def recipient_class(text: str) -> str:
    """A recipient class as written in a declaration or a policy (``client employer``,
    ``Client-Employer``), in the registry's spelling (``client_employer``)."""
    return _SEPARATORS.sub("_", text.strip().lower())


def outside(recipient: str) -> bool:
    """Whether a recipient of this class is outside the platform (fails closed: any class
    that is not the member or the platform is a third party)."""
    return recipient_class(recipient) not in INTERNAL


def registered_recipient(purpose: str) -> RecipientClass | None:
    """The recipient class the purpose was stated for, or None for an unregistered key."""
    return RECIPIENT_OF.get(purpose)


def covers(purpose: str, recipient: str) -> bool:
    """Whether consent to ``purpose`` can cover a provision to a recipient of this class:
    only when the registry states the purpose for exactly that class."""
    stated = registered_recipient(purpose)
    return stated is not None and stated.value == recipient_class(recipient)
