"""Employer intake: an applicant/offer list in, matched to members by keyed hash, with the
employer's attestation kept as an APPI Art. 30 confirmation record.

``fairfollow intake EMPLOYER FILE``:

1. parse (``employer_file``: UTF-8 or Shift_JIS; a prohibited or missing column refuses the
   whole file — the refusal is recorded as a decision; a bad row is quarantined with its
   line, column and rule, and counted);
2. record the employer's attestation as a confirmation record (refused without one);
3. match each row to a member by a **keyed hash** (HMAC-SHA256 with the platform secret in
   the workspace's keys directory) of normalised identifiers: the e-mail, else the kana
   name with the birth date. Hashed and keyed identifiers are pseudonyms and remain
   personal data; they are handled as such everywhere, never as "anonymous". A list keyed
   only by the employer's applicant IDs is accepted when the contractor's survey links
   them to cookies the platform has synchronised (:mod:`fairfollow.employers.applicant_ids`);
   nothing keyed by those IDs ever goes back (APPI Art. 31);
4. combine with browsing data only for members whose consent covers it (APPI Art. 27(5)(i),
   PPC FAQ Q7-42): the others are *refused* — their offers stay in the pool, forecast from
   the base rate only;
5. store the offers and the match report — matched, unmatched and refused by reason — in
   one transaction with the confirmation record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from fairfollow.consent import coverage
from fairfollow.employers.applicant_ids import IdOnlyRow, is_id_only, parse_id_only
from fairfollow.employers.file import EmployerRow, parse_employer_bytes
from fairfollow.employers.offers import MemberIdentity, normalise_email, normalise_kana
from fairfollow.errors import ConfigError, InputError, ProhibitedItemError
from fairfollow.governance import provision, store
from fairfollow.governance.pool_store import (
    MATCHED,
    REFUSED,
    UNMATCHED,
    IntakeRecord,
    PoolOffer,
    QuarantinedLine,
    record_intake,
)
from fairfollow.governance.provision import Attestation, Confirmation
from fairfollow.workspace import Workspace

INTAKE = "intake"
KEY_FILE = "intake-match.key"
COMBINATION_CITATION = "APPI Art. 27(5)(i); PPC FAQ Q7-42"


def matching_key(keys_dir: Path) -> bytes:
    """The platform's secret for keyed hashes of identifiers (created once, mode 0600)."""
    path = keys_dir / KEY_FILE
    try:
        if not path.exists():
            keys_dir.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{KEY_FILE}.{secrets.token_hex(8)}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            try:
                os.link(temporary, path)  # two processes starting at once agree on one key
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read or create the matching key in {keys_dir}: {exc}") from exc


def keyed_hash(key: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of a normalised identifier: a pseudonym, personal data, never anonymous."""
    return hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def _kana_birth(kana: str, birth: date) -> str:
    return f"{normalise_kana(kana)}|{birth.isoformat()}"


@dataclass(frozen=True)
class MemberIndex:
    """Members by keyed hash of their identifiers (the platform keeps no other index)."""

    by_email: Mapping[str, tuple[int, ...]]
    by_kana_birth: Mapping[str, tuple[int, ...]]
    by_cookie: Mapping[str, tuple[int, ...]]


def member_index(
    key: bytes,
    members: Iterable[MemberIdentity],
    cookies: Mapping[str, int] | None = None,
) -> MemberIndex:
    email: dict[str, list[int]] = {}
    kana: dict[str, list[int]] = {}
    for m in members:
        if m.email:
            email.setdefault(keyed_hash(key, "email", normalise_email(m.email)), []).append(
                m.member_id
            )
        if m.name_kana:
            kana.setdefault(
                keyed_hash(key, "kana_birth", _kana_birth(m.name_kana, m.birth_date)), []
            ).append(m.member_id)
    cookie: dict[str, list[int]] = {}
    for cookie_id, member_id in (cookies or {}).items():
        cookie.setdefault(keyed_hash(key, "cookie", cookie_id), []).append(member_id)

    def freeze(d: dict[str, list[int]]) -> dict[str, tuple[int, ...]]:
        return {k: tuple(sorted(set(v))) for k, v in d.items()}

    return MemberIndex(freeze(email), freeze(kana), freeze(cookie))


def _match(
    key: bytes, index: MemberIndex, row: EmployerRow | IdOnlyRow, links: Mapping[str, str]
) -> tuple[int | None, str]:
    """The member and how they matched, or None and why not."""
    if isinstance(row, IdOnlyRow):
        cookie = links.get(row.applicant_id)
        if cookie is None:
            return None, "no_survey_link"
        found = index.by_cookie.get(keyed_hash(key, "cookie", cookie), ())
        return (found[0], "cookie_hmac") if len(found) == 1 else (None, _why(found))
    found = index.by_email.get(keyed_hash(key, "email", normalise_email(row.email)), ())
    if len(found) == 1:
        return found[0], "email_hmac"
    fallback = index.by_kana_birth.get(
        keyed_hash(key, "kana_birth", _kana_birth(row.name_kana, row.birth_date)), ()
    )
    if len(fallback) == 1:
        return fallback[0], "kana_birth_hmac"
    return None, _why(found or fallback)


def _why(found: Sequence[int]) -> str:
    return "ambiguous_member" if len(found) > 1 else "no_member"


@dataclass(frozen=True)
class IntakeReport:
    intake_id: int
    confirmation_id: int
    employer: str
    season: int
    file_name: str
    encoding: str
    keyed_by: str
    rows_read: int
    rows_accepted: int
    quarantined_by_rule: Mapping[str, int]
    quarantined_lines: tuple[QuarantinedLine, ...]
    matched: int
    unmatched_by_reason: Mapping[str, int]
    refused_by_reason: Mapping[str, int]
    offers: int
    ignored_columns: tuple[str, ...]

    @property
    def rows_quarantined(self) -> int:
        return sum(self.quarantined_by_rule.values())

    def as_json(self) -> dict[str, object]:
        return {
            "intake_id": self.intake_id,
            "confirmation_id": self.confirmation_id,
            "employer": self.employer,
            "season": self.season,
            "file": self.file_name,
            "encoding": self.encoding,
            "keyed_by": self.keyed_by,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "quarantined_by_rule": dict(self.quarantined_by_rule),
            "quarantined": [
                {"line": q.line, "column": q.column, "rule": q.rule} for q in self.quarantined_lines
            ],
            "matched": self.matched,
            "unmatched_by_reason": dict(self.unmatched_by_reason),
            "refused_by_reason": dict(self.refused_by_reason),
            "offers_in_pool": self.offers,
            "ignored_columns": list(self.ignored_columns),
        }


@dataclass(frozen=True)
class IntakeInputs:
    """What matching needs besides the file: the platform's members, cookie links, secret."""

    key: bytes
    members: Sequence[MemberIdentity]
    cookies: Mapping[str, int]  # cookie id → member id (the platform's cookie sync)
    survey_links: Mapping[str, str]  # employer applicant id → cookie id (contractor survey)
    purpose: str  # the purpose whose consent covers combining the list with browsing


def _refusal(
    engine: Engine, employer: str, season: int, name: str, exc: InputError, at: datetime
) -> None:
    detail: dict[str, object] = {"file": name, "error": str(exc), "kind": type(exc).__name__}
    if isinstance(exc, ProhibitedItemError):
        detail.update(column=exc.column, rule=exc.rule_id, citation=exc.citation)
    with engine.begin() as conn:
        store.record_decision(
            conn,
            store.DecisionRecord(
                request=INTAKE,
                outcome="deny",
                reason=f"file_refused:{type(exc).__name__}",
                actor="intake",
                at=at,
                detail=json.dumps(detail, ensure_ascii=False),
                employer=employer,
                season=season,
            ),
        )


def intake_bytes(
    engine: Engine,
    employer: str,
    season: int,
    data: bytes,
    name: str,
    attestation: Attestation,
    inputs: IntakeInputs,
    *,
    at: datetime,
    actor: str,
) -> IntakeReport:
    """Parse, confirm, match and store one employer list (see the module docstring)."""
    missing = attestation.missing()
    if missing:
        raise InputError(
            f"{name}: refused without the employer's attestation ({', '.join(missing)}); "
            "APPI Art. 30(1) requires the provider's identity and how it obtained the data"
        )
    try:
        if is_id_only(data, name):
            parsed = parse_id_only(data, name)
            rows: Sequence[EmployerRow | IdOnlyRow] = parsed.rows
            keyed_by = "applicant_id"
        else:
            parsed = parse_employer_bytes(data, name, season=season)  # type: ignore[assignment]
            rows = parsed.rows
            keyed_by = "identity"
    except InputError as exc:
        _refusal(engine, employer, season, name, exc, at)
        raise
    quarantined = tuple(QuarantinedLine(r.line, r.column, r.rule, r.cells) for r in parsed.rejected)
    index = member_index(inputs.key, inputs.members, inputs.cookies)
    matches = [(row, *_match(inputs.key, index, row, inputs.survey_links)) for row in rows]
    found = sorted({m for _, m, _ in matches if m is not None})
    with engine.begin() as conn:
        valid = {
            m for m, v in coverage.verdicts(conn, inputs.purpose, at, found).items() if v.valid
        }
        counts: dict[str, Counter[str]] = {
            MATCHED: Counter(),
            REFUSED: Counter(),
            UNMATCHED: Counter(),
        }
        offers: list[PoolOffer] = []
        seen: set[int] = set()
        for row, member, how in matches:
            if member is None:
                status, reason = UNMATCHED, how
            elif row.offer_date is not None and member in seen:
                status, reason, member = UNMATCHED, "duplicate_offer", None
            elif member in valid:
                status, reason = MATCHED, how
            else:  # identified, but consent does not cover combining: base rate only
                status, reason = REFUSED, "no_combination_consent"
            counts[status][reason] += 1
            if row.offer_date is not None:
                if member is not None:
                    seen.add(member)
                applicant = keyed_hash(inputs.key, f"applicant:{employer}", row.applicant_id)
                offers.append(
                    PoolOffer(row.line, applicant, member, row.offer_date, status, reason)
                )
        confirmation_id = provision.record_confirmation(
            conn,
            Confirmation(employer, attestation, name, hashlib.sha256(data).hexdigest(), at),
        )
        matched = sum(counts[MATCHED].values())
        unmatched = dict(sorted(counts[UNMATCHED].items()))
        refused = dict(sorted(counts[REFUSED].items()))
        report = {
            "matched": matched,
            "matched_by": dict(sorted(counts[MATCHED].items())),
            "unmatched_by_reason": unmatched,
            "refused_by_reason": refused,
            "quarantined_by_rule": dict(sorted(Counter(q.rule for q in quarantined).items())),
        }
        intake_id = record_intake(
            conn,
            IntakeRecord(
                employer=employer,
                season=season,
                file_name=name,
                file_sha256=hashlib.sha256(data).hexdigest(),
                encoding=parsed.encoding,
                keyed_by=keyed_by,
                confirmation_id=confirmation_id,
                rows_read=len(rows) + len(quarantined),
                rows_accepted=len(rows),
                rows_quarantined=len(quarantined),
                report=json.dumps(report),
                actor=actor,
                at=at,
            ),
            offers,
            quarantined,
        )
        store.record_decision(
            conn,
            store.DecisionRecord(
                request=INTAKE,
                outcome="allow",
                reason="accepted",
                actor=actor,
                at=at,
                detail=json.dumps({"intake_id": intake_id, "file": name, **report}),
                employer=employer,
                season=season,
            ),
        )
    return IntakeReport(
        intake_id=intake_id,
        confirmation_id=confirmation_id,
        employer=employer,
        season=season,
        file_name=name,
        encoding=parsed.encoding,
        keyed_by=keyed_by,
        rows_read=len(rows) + len(quarantined),
        rows_accepted=len(rows),
        quarantined_by_rule=report["quarantined_by_rule"],  # type: ignore[arg-type]
        quarantined_lines=quarantined,
        matched=matched,
        unmatched_by_reason=unmatched,
        refused_by_reason=refused,
        offers=len(offers),
        ignored_columns=tuple(getattr(parsed, "ignored_columns", ())),
    )


def read_survey_links(path: Path, company_id: int) -> dict[str, str]:
    """The contractor survey's applicant-id → cookie links of one employer (``company_id``)."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["applicant_id"]: row["cookie_id"]
            for row in csv.DictReader(handle)
            if row.get("company_id", "").strip() == str(company_id) and row.get("cookie_id")
        }


def workspace_inputs(
    workspace: Workspace, season: int, purpose: str, survey_links: Mapping[str, str] | None = None
) -> IntakeInputs:
    """Matching inputs from the workspace: its members and cookie sync, and its secret."""
    from fairfollow.employers.offers import member_identities
    from fairfollow.model.feature_source import read_store_table

    members = member_identities(read_store_table(workspace, "members"), season)
    links = read_store_table(workspace, "cookie_links").select(["cookie_id", "member_id"])
    cookies = {
        str(c): int(m)
        for c, m in zip(
            links.column("cookie_id").to_pylist(),
            links.column("member_id").to_pylist(),
            strict=True,
        )
        if c is not None and m is not None
    }
    return IntakeInputs(
        matching_key(workspace.keys_dir), members, cookies, survey_links or {}, purpose
    )
