"""The one rule that matches an employer's applicant to a platform member (pure).

The normalised e-mail first (NFKC, trimmed, lower case); when it finds no single member,
the kana name (NFKC, spaces removed) with the birth date. A row that finds no member is
``no_member``; one that finds several by the identifier it tried is ``ambiguous_member``.
Rows are never matched on a guess: a match is exactly one member.

Both users of the rule share this module: the analysts' offers table
(:mod:`fairfollow.employers.offers`) indexes plain normalised identifiers, governed intake
(:mod:`fairfollow.intake.desk`) indexes keyed hashes of them. Which of the two is
decided by the ``key_of`` function the index is built with; the rule is the same.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Protocol

# (kind, normalised identifier) -> the key the index holds it under.
KeyOf = Callable[[str, str], str]

EMAIL_KIND = "email"
KANA_BIRTH_KIND = "kana_birth"


class MatchRule(Enum):
    """Which identifier found the member."""

    EMAIL = "email"
    KANA_BIRTH = "name_kana+birth_date"


class MissReason(Enum):
    """Why no single member was found."""

    NO_MEMBER = "no_member"
    AMBIGUOUS = "ambiguous_member"


@dataclass(frozen=True)
class MemberIdentity:
    """What the platform knows that identifies a member."""

    member_id: int
    email: str
    name_kana: str
    birth_date: date


class Identified(Protocol):
    """Anything carrying the identifying fields: an employer row, a member identity."""

    @property
    def email(self) -> str: ...

    @property
    def name_kana(self) -> str: ...

    @property
    def birth_date(self) -> date: ...


@dataclass(frozen=True)
class Matched:
    member_id: int
    rule: MatchRule


@dataclass(frozen=True)
class Unmatched:
    reason: MissReason


Match = Matched | Unmatched


def normalise_email(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def normalise_kana(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def kana_birth(name_kana: str, birth_date: date) -> str:
    """The kana name and birth date as one identifier (the date's fixed width keeps it
    unambiguous)."""
    return f"{normalise_kana(name_kana)}|{birth_date.isoformat()}"


def plain_key(kind: str, value: str) -> str:
    """Index identifiers as they are (the analysts' training zone)."""
    return value


@dataclass(frozen=True)
class MemberIndex:
    """Members by the key of each identifier; ``key_of`` made the keys."""

    by_email: Mapping[str, tuple[int, ...]]
    by_kana_birth: Mapping[str, tuple[int, ...]]
    # Not in the repr: a keyed index's function holds the secret.
    key_of: KeyOf = field(default=plain_key, repr=False, compare=False)

    def match(self, applicant: Identified) -> Match:
        """The member ``applicant`` is, by the rule of this module."""
        found = self.by_email.get(self.key_of(EMAIL_KIND, normalise_email(applicant.email)), ())
        if len(found) == 1:
            return Matched(found[0], MatchRule.EMAIL)
        fallback = self.by_kana_birth.get(
            self.key_of(KANA_BIRTH_KIND, kana_birth(applicant.name_kana, applicant.birth_date)),
            (),
        )
        if len(fallback) == 1:
            return Matched(fallback[0], MatchRule.KANA_BIRTH)
        return Unmatched(why_not(found or fallback))


def why_not(found: Sequence[int]) -> MissReason:
    """The reason a lookup that did not find exactly one member gives."""
    return MissReason.AMBIGUOUS if len(found) > 1 else MissReason.NO_MEMBER


def group(pairs: Iterable[tuple[str, int]]) -> dict[str, tuple[int, ...]]:
    """Member ids by key, each id once, in order."""
    grouped: dict[str, set[int]] = {}
    for key, member_id in pairs:
        grouped.setdefault(key, set()).add(member_id)
    return {key: tuple(sorted(ids)) for key, ids in grouped.items()}


def index_members(members: Iterable[MemberIdentity], key_of: KeyOf = plain_key) -> MemberIndex:
    """Index ``members`` by e-mail and by kana name with birth date (members lacking one of
    them are indexed by the other only)."""
    email: list[tuple[str, int]] = []
    kana: list[tuple[str, int]] = []
    for m in members:
        if m.email:
            email.append((key_of(EMAIL_KIND, normalise_email(m.email)), m.member_id))
        if m.name_kana:
            key = key_of(KANA_BIRTH_KIND, kana_birth(m.name_kana, m.birth_date))
            kana.append((key, m.member_id))
    return MemberIndex(group(email), group(kana), key_of)
