"""The offers table: client employers' offers matched to members, one row per offer.

Built from the employer files of one season (``employer_file`` parses them): every row with
an offer date becomes an offer of company ``E<id>`` to the member it matches, inside the
platform's training zone. Matching (:mod:`fairfollow.employers.matching`): the normalised
e-mail first, then ``name_kana`` with ``birth_date``. A row that matches no member, or more
than one, is kept out and counted by reason; nothing is dropped silently
(DESIGN principle 5). The outcome (``accepted``) is filled where the employer reported it
(the previous season's files); the current season's files carry none.

This is the analysts' plain matching for model work. Governed matching (consent checked for
the combination, keyed hashes, attestation at intake) belongs to the employer-intake and
governance work and must replace it before any release.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fairfollow.employer_ids import EmployerId
from fairfollow.employers.applicant_ids import IdOnlyFile, IdOnlyRow, is_id_only, parse_id_only
from fairfollow.employers.file import EmployerFile, RejectedRow, parse_employer_file
from fairfollow.employers.matching import Matched, MemberIdentity, Unmatched, index_members
from fairfollow.errors import InputError
from fairfollow.instants import JST

OFFER_SCHEMA = pa.schema(
    [
        ("offer_id", pa.string()),
        ("season", pa.int16()),
        ("member_id", pa.int64()),
        ("company_id", pa.int32()),
        ("applicant_id", pa.string()),
        ("offered_at", pa.timestamp("ms", tz="UTC")),
        ("accepted", pa.bool_()),
    ]
)
FILE_REFUSED = "file_refused"  # the whole file, in rejected_rows_by_rule
UNMATCHED_REASONS = (
    "no_member",
    "ambiguous_member",
    "duplicate_offer",
    "no_company_id",
    "no_survey_link",
)


@dataclass(frozen=True)
class UnmatchedOffer:
    company_id: int | None
    line: int
    reason: str


@dataclass(frozen=True)
class OfferTable:
    """Matched offers, and what was kept out of them."""

    season: int
    table: pa.Table
    files: int
    unmatched: tuple[UnmatchedOffer, ...]
    rejected_rows: Mapping[str, int]  # parse rejections by rule, all rows of the files
    matched_by: Mapping[str, int]  # "email" / "name_kana+birth_date"

    @property
    def offers(self) -> int:
        return int(self.table.num_rows)

    @property
    def unmatched_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(u.reason for u in self.unmatched).items()))

    def as_dict(self) -> dict[str, object]:
        return {
            "season": self.season,
            "files": self.files,
            "offers": self.offers,
            "matched_by": dict(self.matched_by),
            "unmatched_by_reason": self.unmatched_by_reason,
            "rejected_rows_by_rule": dict(self.rejected_rows),
        }


def offered_at(day: date) -> datetime:
    """An offer dated ``day`` (the employer's JST date) is taken as made at its start."""
    return datetime.combine(day, time(0), tzinfo=JST)


def build_offer_table(
    files: Sequence[EmployerFile | IdOnlyFile],
    members: Iterable[MemberIdentity],
    season: int,
    linked: Mapping[tuple[int, str], int] | None = None,
) -> OfferTable:
    """Offers of ``files`` matched to ``members`` (the season's members); rows of ID-only
    lists through ``linked`` (:func:`survey_members`), else ``no_survey_link``."""
    index = index_members(members)
    records: list[dict[str, object]] = []
    unmatched: list[UnmatchedOffer] = []
    matched_by: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    seen: set[tuple[int, int]] = set()
    for parsed in sorted(files, key=lambda f: f.name):
        rejected.update(r.rule for r in parsed.rejected)
        named = EmployerId.of_file(parsed.name)
        company_id = None if named is None else named.number
        for row in parsed.rows:
            if row.offer_date is None:
                continue
            if company_id is None:
                unmatched.append(UnmatchedOffer(None, row.line, "no_company_id"))
                continue
            if isinstance(row, IdOnlyRow):
                found = (linked or {}).get((company_id, row.applicant_id))
                how, miss = "survey_link", "no_survey_link"
            else:
                match = index.match(row)
                found = match.member_id if isinstance(match, Matched) else None
                how = match.rule.value if isinstance(match, Matched) else ""
                miss = match.reason.value if isinstance(match, Unmatched) else ""
            if found is None:
                unmatched.append(UnmatchedOffer(company_id, row.line, miss))
                continue
            member_id = found
            if (company_id, member_id) in seen:
                unmatched.append(UnmatchedOffer(company_id, row.line, "duplicate_offer"))
                continue
            seen.add((company_id, member_id))
            matched_by[how] += 1
            outcome = None if row.offer_outcome is None else row.offer_outcome == "accepted"
            records.append(
                {
                    "offer_id": f"{season}-{EmployerId(company_id).text}-{row.applicant_id}",
                    "season": season,
                    "member_id": member_id,
                    "company_id": company_id,
                    "applicant_id": row.applicant_id,
                    "offered_at": offered_at(row.offer_date),
                    "accepted": outcome,
                }
            )
    table = pa.Table.from_pylist(records, schema=OFFER_SCHEMA).sort_by("offer_id")
    return OfferTable(
        season=season,
        table=table,
        files=len(files),
        unmatched=tuple(unmatched),
        rejected_rows=dict(sorted(rejected.items())),
        matched_by=dict(sorted(matched_by.items())),
    )


def parse_season_files(employers_dir: Path, season: int) -> list[EmployerFile | IdOnlyFile]:
    """Parse every ``E<id>.csv`` of ``employers_dir/season=YYYY``; a list keyed only by the
    employer's applicant IDs (:mod:`fairfollow.employers.applicant_ids`) is parsed as such,
    and a file intake would refuse is counted as ``file_refused``."""
    folder = employers_dir / f"season={season}"
    paths = sorted(folder.glob("E*.csv"))
    if not paths:
        raise InputError("employers.no_files", folder=str(folder))
    parsed: list[EmployerFile | IdOnlyFile] = []
    for path in paths:
        data = path.read_bytes()
        try:
            parsed.append(
                parse_id_only(data, path.name)
                if is_id_only(data, path.name)
                else parse_employer_file(path)
            )
        except InputError:  # a file intake would refuse: counted, never half-read
            parsed.append(_refused(path.name))
    return parsed


def _refused(name: str) -> EmployerFile:
    rejected = (RejectedRow(0, "", FILE_REFUSED, ()),)
    return EmployerFile(name, None, None, "", (), (), (), rejected, ())


def survey_members(employers_dir: Path, cookies: Mapping[str, int]) -> dict[tuple[int, str], int]:
    """(company id, employer applicant id) → member, through the contractor survey's links
    (``survey_links.csv``) and the platform's cookie sync (cookie id → member)."""
    path = employers_dir / "survey_links.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            (int(r["company_id"]), r["applicant_id"]): cookies[r["cookie_id"]]
            for r in csv.DictReader(handle)
            if r.get("cookie_id") in cookies and (r.get("company_id") or "").strip().isdigit()
        }


def member_identities(members: pa.Table, season: int) -> list[MemberIdentity]:
    """Identities of ``season``'s members from the store's members table."""
    rows = members.select(["member_id", "season", "email", "name_kana", "birth_date"])
    return [
        MemberIdentity(int(r["member_id"]), r["email"] or "", r["name_kana"] or "", r["birth_date"])
        for r in rows.to_pylist()
        if r["season"] == season and r["birth_date"] is not None
    ]


def read_members(paths: Sequence[Path]) -> pa.Table:
    if not paths:
        raise InputError("employers.no_members")
    return pa.concat_tables([pq.read_table(p) for p in paths])


def write_offer_table(offers: OfferTable, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pq.write_table(offers.table, tmp)
    tmp.replace(path)
    return path
