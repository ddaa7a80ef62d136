"""Members by keyed hash, and the match of one intake row against them (pure).

Governed intake never indexes identifiers in the clear: each normalised identifier is
replaced by an HMAC-SHA256 under the platform's secret (:func:`keyed_hash`). Hashed and
keyed identifiers are pseudonyms and remain personal data; they are handled as such
everywhere, never as "anonymous".

Rows with identifying columns follow the one matching rule of
:mod:`fairfollow.employers.matching` (e-mail, else kana name with birth date). Rows keyed
only by the employer's applicant id (:mod:`fairfollow.employers.applicant_ids`) go through
the contractor survey's link to a cookie, and the platform's cookie sync, by keyed hash of
the cookie.

The reasons returned here are the intake's vocabulary and are stored in match reports:
``email_hmac``, ``kana_birth_hmac``, ``cookie_hmac`` when matched; ``no_member``,
``ambiguous_member``, ``no_survey_link`` when not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fairfollow.employers.applicant_ids import IdOnlyRow
from fairfollow.employers.file import EmployerRow
from fairfollow.employers.matching import (
    KeyOf,
    Matched,
    MatchRule,
    MemberIdentity,
    MemberIndex,
    group,
    index_members,
    why_not,
)
from fairfollow.keys import keyed_hash as keyed_hash

COOKIE_KIND = "cookie"
NO_SURVEY_LINK = "no_survey_link"
COOKIE_HMAC = "cookie_hmac"
HOW_MATCHED = {MatchRule.EMAIL: "email_hmac", MatchRule.KANA_BIRTH: "kana_birth_hmac"}


def keyed(key: bytes) -> KeyOf:
    """The index-key function of :mod:`fairfollow.employers.matching`, keyed by ``key``."""

    def key_of(kind: str, value: str) -> str:
        return keyed_hash(key, kind, value)

    return key_of


@dataclass(frozen=True)
class KeyedIndex:
    """Members by keyed hash of their identifiers (the platform keeps no other index)."""

    identities: MemberIndex  # e-mail and kana name with birth date
    by_cookie: Mapping[str, tuple[int, ...]]

    @property
    def by_email(self) -> Mapping[str, tuple[int, ...]]:
        return self.identities.by_email

    @property
    def by_kana_birth(self) -> Mapping[str, tuple[int, ...]]:
        return self.identities.by_kana_birth


def keyed_index(
    key: bytes,
    members: Iterable[MemberIdentity],
    cookies: Mapping[str, int] | None = None,
) -> KeyedIndex:
    """Index ``members`` (and the cookie sync, cookie id → member id) under ``key``."""
    key_of = keyed(key)
    by_cookie = group(
        (key_of(COOKIE_KIND, cookie_id), member_id)
        for cookie_id, member_id in (cookies or {}).items()
    )
    return KeyedIndex(index_members(members, key_of), by_cookie)


@dataclass(frozen=True)
class RowMatch:
    """The member a row matched and how, or None and why not."""

    member_id: int | None
    how: str


def match_row(
    index: KeyedIndex, row: EmployerRow | IdOnlyRow, links: Mapping[str, str]
) -> RowMatch:
    """Match one row; ``links`` are the survey's employer applicant id → cookie id."""
    if isinstance(row, IdOnlyRow):
        cookie = links.get(row.applicant_id)
        if cookie is None:
            return RowMatch(None, NO_SURVEY_LINK)
        found = index.by_cookie.get(index.identities.key_of(COOKIE_KIND, cookie), ())
        if len(found) == 1:
            return RowMatch(found[0], COOKIE_HMAC)
        return RowMatch(None, why_not(found).value)
    match = index.identities.match(row)
    if isinstance(match, Matched):
        return RowMatch(match.member_id, HOW_MATCHED[match.rule])
    return RowMatch(None, match.reason.value)
