"""Employer intake: an applicant/offer list in, matched to members by keyed hash, with the
employer's attestation kept as an APPI Art. 30 confirmation record.

``fairfollow intake EMPLOYER FILE``:

1. check and parse (an unknown employer or season, a file over the size cap, an empty or
   header-only list, duplicated headers, an unrecognised encoding, a wrong delimiter, NUL
   bytes, a prohibited or missing column refuse the whole file and replace nothing — the
   refusal is recorded as a decision; a bad row is quarantined with its line, column and
   rule, and counted; the quarantine keeps the offending value only where it is not an
   identifier, and keyed hashes of the rest);
2. record the employer's attestation as a confirmation record (refused without one);
3. match each row to a member by a **keyed hash** (HMAC-SHA256 with the platform secret in
   the workspace's keys directory) of normalised identifiers: the e-mail, else the kana
   name with the birth date (:mod:`fairfollow.intake.keyed_index`, by the rule of
   :mod:`fairfollow.employers.matching`). Hashed and keyed identifiers are pseudonyms and remain
   personal data; they are handled as such everywhere, never as "anonymous". A list keyed
   only by the employer's applicant IDs is accepted when the contractor's survey links
   them to cookies the platform has synchronised (:mod:`fairfollow.employers.applicant_ids`);
   nothing keyed by those IDs ever goes back (APPI Art. 31);
4. combine with browsing data only for members whose consent covers it (APPI Art. 27(5)(i),
   PPC FAQ Q7-42): the others are *refused* — their offers stay in the pool, forecast from
   the base rate only (:mod:`fairfollow.intake.classification`);
5. store the offers and the match report — matched, unmatched and refused by reason — in
   one transaction with the confirmation record. A member matched by more than one row of
   the list is an ambiguity: every such row is kept out of matching
   (``several_rows_one_member``), never a silent many-to-one match.

The report has two views. The **employer's** (:meth:`IntakeReport.employer_view`) shows
only what the employer itself sent: rows read and accepted, rows rejected for its own data
errors with line and rule, repairs made and columns ignored. Match and consent figures are
the **platform's** (:meth:`IntakeReport.as_json`): shown to an employer per upload they
would tell it which applicants consented (a one-applicant list is an exact oracle).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from fairfollow.actor import INTAKE as INTAKE_ACTOR
from fairfollow.actor import Actor
from fairfollow.consent import coverage
from fairfollow.employer_ids import EmployerId
from fairfollow.employers.applicant_ids import (
    IdOnlyFile,
    IdOnlyRow,
    header_is_id_only,
    parse_id_only,
)
from fairfollow.employers.encoding import DEFAULT_MAX_BYTES
from fairfollow.employers.file import (
    EmployerFile,
    EmployerRow,
    Repair,
    open_list,
    parse_employer_bytes,
)
from fairfollow.employers.matching import MemberIdentity
from fairfollow.errors import InputError, ProhibitedItemError
from fairfollow.instants import JST
from fairfollow.intake.classification import Classification, MatchedRow, Status, classify
from fairfollow.intake.keyed_index import (
    KeyedIndex,
    RowMatch,
    keyed_hash,
    keyed_index,
    match_row,
)
from fairfollow.intake.pool_store import (
    MATCHED,
    REFUSED,
    UNMATCHED,
    IntakeRecord,
    PoolOffer,
    QuarantinedLine,
    record_intake,
)
from fairfollow.intake.report import IntakeReport as IntakeReport
from fairfollow.intake.suppression import unsuppressed
from fairfollow.keyfile import load_or_create_secret
from fairfollow.keys import KeyFile
from fairfollow.ledger.transaction import Connection, Engine, transaction
from fairfollow.records import decision_store, provision_store
from fairfollow.records.provision import Attestation, Confirmation
from fairfollow.workspace import Workspace

INTAKE = "intake"
KEY_FILE = KeyFile.PSEUDONYM.value
COMBINATION_CITATION = "APPI Art. 27(5)(i); PPC FAQ Q7-42"
POOL_STATUS = {Status.MATCHED: MATCHED, Status.REFUSED: REFUSED, Status.UNMATCHED: UNMATCHED}
# Columns whose offending value an operator may see in the quarantine; every other cell is
# kept only as a keyed hash (it identifies, or could identify, an applicant).
CLEAR_COLUMNS = frozenset({"entry_date", "offer_date", "offer_outcome"})
QUARANTINE_KIND = "quarantine"


def matching_key(keys_dir: Path) -> bytes:
    """The platform's secret for keyed hashes of identifiers (created once, mode 0600)."""
    return load_or_create_secret(keys_dir / KEY_FILE)


@dataclass(frozen=True)
class IntakeInputs:
    """What matching needs besides the file: the platform's members, cookie links, secret."""

    key: bytes = field(repr=False)  # the secret: never in a log line or a traceback
    members: Sequence[MemberIdentity]
    cookies: Mapping[str, int]  # cookie id → member id (the platform's cookie sync)
    survey_links: Mapping[str, str]  # employer applicant id → cookie id (contractor survey)
    purpose: str  # the purpose whose consent covers combining the list with browsing
    clients: frozenset[str] | None = None  # employers who may send lists (None: unchecked)
    seasons: frozenset[int] | None = None  # seasons the workspace holds (None: unchecked)
    max_bytes: int = DEFAULT_MAX_BYTES  # the intake size cap
    # The members' keyed index, built once by :meth:`indexed` for a caller that takes in many
    # lists (the replay); ``_indexed_from`` says from which key, members and cookies.
    _index: KeyedIndex | None = field(default=None, repr=False, compare=False)
    _indexed_from: tuple[bytes, int, int] | None = field(default=None, repr=False, compare=False)

    def indexed(self) -> IntakeInputs:
        """These inputs with the keyed index of their members built now, once: it depends
        on the key, the members and the cookie sync only (not on the list or the survey
        links), and building it hashes every member — the bulk of a list's intake. The
        members and cookies are copied into a tuple and a dict nothing else holds, so they
        cannot change under the index."""
        frozen = replace(self, members=tuple(self.members), cookies=dict(self.cookies))
        return replace(frozen, _index=frozen._build_index(), _indexed_from=frozen._source())

    def matching_index(self) -> KeyedIndex:
        """The keyed index to match against: the one :meth:`indexed` built if it was built
        from these very key, members and cookies (a ``replace`` of any of them drops it),
        else a fresh one."""
        if self._index is not None and self._indexed_from == self._source():
            return self._index
        return self._build_index()

    def _source(self) -> tuple[bytes, int, int]:
        # Identity, not equality: comparing all members would cost what the index saves.
        return (self.key, id(self.members), id(self.cookies))

    def _build_index(self) -> KeyedIndex:
        return keyed_index(self.key, self.members, self.cookies)

    def check(self, employer: str, season: int) -> None:
        """Refuse a list for an employer or a season this workspace does not know."""
        if self.seasons is not None and season not in self.seasons:
            raise InputError("intake.season_unknown", season=season, known=sorted(self.seasons))
        if self.clients is not None and employer not in self.clients:
            raise InputError("intake.employer_not_client", employer=employer)


def _refusal(
    engine: Engine, employer: str, season: int, name: str, exc: InputError, at: datetime
) -> None:
    detail: dict[str, object] = {"file": name, "error": str(exc), "kind": type(exc).__name__}
    if isinstance(exc, ProhibitedItemError):
        detail.update(column=exc.column, rule=exc.rule_id, citation=exc.citation)
    with transaction(engine, "refusal") as conn:
        decision_store.record_decision(
            conn,
            decision_store.DecisionRecord(
                request=INTAKE,
                outcome="deny",
                reason=f"file_refused:{type(exc).__name__}",
                actor=INTAKE_ACTOR,
                at=at,
                detail=json.dumps(detail, ensure_ascii=False),
                employer=employer,
                season=season,
            ),
        )


@dataclass(frozen=True)
class EmployerList:
    """An employer's file, decoded and parsed: its accepted rows and its quarantined lines."""

    rows: tuple[EmployerRow | IdOnlyRow, ...]
    quarantined: tuple[QuarantinedLine, ...]
    encoding: str
    keyed_by: str  # "identity" or "applicant_id"
    ignored_columns: tuple[str, ...]
    repairs: tuple[Repair, ...] = ()

    @property
    def quarantined_by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(q.rule for q in self.quarantined).items()))


def read_list(
    data: bytes,
    name: str,
    season: int,
    key: bytes,
    *,
    today: date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> EmployerList:
    """Parse either kind of list; ``InputError`` refuses the whole file. Quarantined lines
    keep their cells redacted under ``key`` (:func:`redact`)."""
    opened = open_list(data, name, max_bytes)  # decoded once, for the kind and the parse
    id_only = header_is_id_only(opened.header)
    parsed: IdOnlyFile | EmployerFile = (
        parse_id_only(data, name, today=today, max_bytes=max_bytes, opened=opened)
        if id_only
        else parse_employer_bytes(
            data, name, season=season, today=today, max_bytes=max_bytes, opened=opened
        )
    )
    rows: tuple[EmployerRow | IdOnlyRow, ...] = parsed.rows
    return EmployerList(
        rows=rows,
        quarantined=tuple(
            QuarantinedLine(r.line, r.column, r.rule, redact(key, parsed.columns, r.cells))
            for r in parsed.rejected
        ),
        encoding=parsed.encoding,
        keyed_by="applicant_id" if id_only else "identity",
        ignored_columns=parsed.ignored_columns,
        repairs=parsed.repairs if isinstance(parsed, EmployerFile) else (),
    )


def redact(key: bytes, columns: Sequence[str], cells: Sequence[str]) -> tuple[str, ...]:
    """A quarantined row as the ledger keeps it: cells of :data:`CLEAR_COLUMNS` as they were
    (what an operator needs to fix the file), every other cell as ``hmac:`` and its keyed
    hash (an empty cell stays empty), so that no identifier is stored in clear."""
    kept: list[str] = []
    for index, cell in enumerate(cells):
        column = columns[index] if index < len(columns) else ""
        if not cell or column in CLEAR_COLUMNS:
            kept.append(cell)
        else:
            kept.append("hmac:" + keyed_hash(key, QUARANTINE_KIND, cell))
    return tuple(kept)


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
    actor: Actor,
) -> IntakeReport:
    """Parse, confirm, match and store one employer list (see the module docstring)."""
    missing = attestation.missing()
    if missing:
        raise InputError("intake.attestation_missing", file=name, missing=list(missing))
    try:
        inputs.check(employer, season)
        listed = read_list(
            data,
            name,
            season,
            inputs.key,
            today=at.astimezone(JST).date(),
            max_bytes=inputs.max_bytes,
        )
    except InputError as exc:
        _refusal(engine, employer, season, name, exc, at)
        raise
    index = inputs.matching_index()
    rows = [_matched(row, match_row(index, row, inputs.survey_links)) for row in listed.rows]
    found = sorted({r.member_id for r in rows if r.member_id is not None})
    with transaction(engine, "intake bytes") as conn:
        rows = unsuppressed(conn, inputs.key, rows)  # erased or stopped members stay out
        covered = {
            m for m, v in coverage.verdicts(conn, inputs.purpose, at, found).items() if v.valid
        }
        classification = classify(rows, covered)
        offers = [
            PoolOffer(
                v.line,
                keyed_hash(inputs.key, f"applicant:{employer}", v.applicant_id),
                v.member_id,
                v.offer_date,
                POOL_STATUS[v.status],
                v.reason,
            )
            for v in classification.offers
            if v.offer_date is not None  # always, for offers; tells the type checker
        ]
        confirmation_id, intake_id = _record(
            conn,
            _Intake(employer, season, name, data, attestation, actor, at),
            listed,
            classification,
            offers,
        )
    return IntakeReport(
        intake_id=intake_id,
        confirmation_id=confirmation_id,
        employer=employer,
        season=season,
        file_name=name,
        encoding=listed.encoding,
        keyed_by=listed.keyed_by,
        rows_read=len(listed.rows) + len(listed.quarantined),
        rows_accepted=len(listed.rows),
        quarantined_by_rule=listed.quarantined_by_rule,
        quarantined_lines=listed.quarantined,
        matched=classification.matched,
        unmatched_by_reason=classification.unmatched_by_reason,
        refused_by_reason=classification.refused_by_reason,
        offers=len(offers),
        ignored_columns=listed.ignored_columns,
        repairs=listed.repairs,
    )


def _matched(row: EmployerRow | IdOnlyRow, match: RowMatch) -> MatchedRow:
    return MatchedRow(row.line, row.applicant_id, row.offer_date, match.member_id, match.how)


@dataclass(frozen=True)
class _Intake:
    """Who sent which file, when, on whose attestation: what the records are about."""

    employer: str
    season: int
    name: str
    data: bytes
    attestation: Attestation
    actor: Actor
    at: datetime


def _record(
    conn: Connection,
    intake: _Intake,
    listed: EmployerList,
    classification: Classification,
    offers: Sequence[PoolOffer],
) -> tuple[int, int]:
    """Store the confirmation record, the intake with its pool, and the decision; return the
    confirmation's and the intake's ids."""
    digest = hashlib.sha256(intake.data).hexdigest()
    # The Art. 30 record is received when the ledger receives it: its retention runs from
    # the ledger's clock, whatever instant the intake claims (a backdated ``--at`` lost its
    # record to the next purge, issue 27); a later claimed instant only keeps it longer.
    received = max(intake.at, provision_store.ledger_now(conn))
    confirmation_id = provision_store.record_confirmation(
        conn, Confirmation(intake.employer, intake.attestation, intake.name, digest, received)
    )
    report = classification.report(listed.quarantined_by_rule)
    intake_id = record_intake(
        conn,
        IntakeRecord(
            employer=intake.employer,
            season=intake.season,
            file_name=intake.name,
            file_sha256=digest,
            encoding=listed.encoding,
            keyed_by=listed.keyed_by,
            confirmation_id=confirmation_id,
            rows_read=len(listed.rows) + len(listed.quarantined),
            rows_accepted=len(listed.rows),
            rows_quarantined=len(listed.quarantined),
            report=json.dumps(report),
            actor=intake.actor,
            at=intake.at,
        ),
        offers,
        listed.quarantined,
    )
    decision_store.record_decision(
        conn,
        decision_store.DecisionRecord(
            request=INTAKE,
            outcome="allow",
            reason="accepted",
            actor=intake.actor,
            at=intake.at,
            detail=json.dumps({"intake_id": intake_id, "file": intake.name, **report}),
            employer=intake.employer,
            season=intake.season,
        ),
    )
    return confirmation_id, intake_id


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
    workspace: Workspace,
    season: int,
    purpose: str,
    survey_links: Mapping[str, str] | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> IntakeInputs:
    """Matching inputs from the workspace: its members and cookie sync, and its secret."""
    from fairfollow.employers.offers import member_identities
    from fairfollow.model.feature_source import read_store_table

    stored = read_store_table(workspace, "members")
    members = member_identities(stored, season)
    seasons = frozenset(int(s) for s in stored.column("season").to_pylist() if s is not None)
    companies = read_store_table(workspace, "companies").to_pylist()
    clients = frozenset(EmployerId(int(c["company_id"])).text for c in companies if c["is_client"])
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
        matching_key(workspace.keys_dir),
        members,
        cookies,
        survey_links or {},
        purpose,
        clients=clients,
        seasons=seasons,
        max_bytes=max_bytes,
    )
