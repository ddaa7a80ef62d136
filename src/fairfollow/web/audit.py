"""The auditor's view (``/audit``, read-only): the latest signed checkpoint, the checkpoint
history with every consistency proof verified, an audit run of the whole log, and the
decision and provision records (APPI Art. 29/30) as CSV for a regulator.

Everything reads through the reader engine (never the ledger's write lock). The audit run is
:func:`fairfollow.tlog.audit.audit_log` over every leaf, with the plain copy of the
checkpoints kept outside the database: a leaf changed, deleted or inserted directly in the
database is found and named by index. An empty log is a failed audit, not a pass, and so is
a copy outside the database that is missing or behind the ledger (the page says which).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

from fairfollow.accounts.actions import Action
from fairfollow.csv_export import csv_text, zoned
from fairfollow.errors import FairFollowError
from fairfollow.ledger.transaction import reading
from fairfollow.messages import catalogue
from fairfollow.tlog import proofs
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import split_note
from fairfollow.tlog.record import LeafFormatError, decode_leaf
from fairfollow.usecases import log as log_cases
from fairfollow.usecases import records as record_cases
from fairfollow.usecases.records import RecordsTable
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.i18n import negotiate
from fairfollow.web.session import principal_of

# A witness cosignature (C2SP tlog-cosignature): an 8-byte timestamp and an Ed25519 signature.
COSIGNATURE_LENGTH = 8 + 64
LEAVES_PER_PAGE = 50
router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/audit"): Action.LOG_AUDIT,
    ("GET", "/audit/leaves"): Action.LOG_AUDIT,
    ("GET", "/audit/decisions.csv"): Action.RECORDS_READ,
    ("GET", "/audit/provisions.csv"): Action.RECORDS_READ,
    ("GET", "/api/v1/audit"): Action.LOG_AUDIT,
}


def _audit(request: Request, ctx: AppContext, budgets: bool = False) -> log_cases.LogAudit:
    return log_cases.audit(
        principal_of(request),
        ctx.reader,
        ctx.verifier,
        ctx.workspace.checkpoint_file,
        budgets=budgets,
    )


@dataclass(frozen=True)
class Cosigned:
    """A checkpoint's witness cosignatures as the page lists them (read from the note; the
    audit run is what verifies them against the witnesses' keys)."""

    size: int
    witnesses: tuple[tuple[str, datetime], ...]  # (witness name, cosigned at)


def _cosignatures(heads: Sequence[proofs.HeadCheck], log_name: str) -> list[Cosigned]:
    found = []
    for head in heads:
        try:
            _, signatures = split_note(head.note)
        except FairFollowError:
            continue
        times = tuple(
            (s.name, datetime.fromtimestamp(int.from_bytes(s.signature[:8], "big"), UTC))
            for s in signatures
            if s.name != log_name and len(s.signature) == COSIGNATURE_LENGTH
        )
        found.append(Cosigned(head.size, times))
    return found


def _copy_reason(found: log_cases.LogAudit, language: str) -> str:
    copy = found.copy
    return catalogue.text(
        f"tlog.copy_{copy.state.value}",
        language,
        path=copy.path.name,
        copy_size=copy.copy_size,
        ledger_size=copy.ledger_size,
    )


@router.get("/audit", include_in_schema=False)
def audit_page(request: Request, ctx: Context) -> Response:
    found = _audit(request, ctx, budgets=True)
    cosigned = _cosignatures(found.heads, ctx.verifier.name)
    newest = max((at for c in cosigned for _, at in c.witnesses), default=None)
    facts = {
        "budgets": found.budgets,
        "cosigned": [c for c in cosigned if c.witnesses],
        "witnessed_at": newest,
        "report": found.report,
        "heads": found.heads,
        "latest": found.heads[-1] if found.heads else None,
        "passed": found.ok,
        "copy": found.copy,
        "copy_reason": _copy_reason(found, negotiate(request)),
        "key": ctx.verifier.encode(),
    }
    return ctx.pages.render(request, "audit_log.html", facts)


@dataclass(frozen=True)
class LeafLine:
    """One leaf as the browser lists it: its place, kind, subject and time."""

    index: int
    kind: str
    subject: str
    at: datetime | None


def _leaf_line(leaf: log_store.StoredLeaf) -> LeafLine:
    at: datetime | None = None
    try:
        body = decode_leaf(leaf.content).record.body
        stamp = body.get("at") or body.get("provided_at")
        at = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except (LeafFormatError, ValueError):
        at = None  # a damaged leaf is listed; the audit above names it
    return LeafLine(leaf.index, leaf.kind, leaf.ref, at)


@router.get("/audit/leaves", include_in_schema=False)
def leaf_browser(
    request: Request, ctx: Context, start: Annotated[int, Query(ge=0, le=2**62)] = 0
) -> Response:
    """The log's leaves, fifty a page: kind, time, subject and a link to each one's proof
    (the log is public; the route's action is checked by the router, as for /log/leaves)."""
    with reading(ctx.reader, "leaf browser") as conn:
        size = log_store.tree_size(conn)
        latest = log_store.latest_checkpoint(conn)
        begin = min(start, max(size - 1, 0))
        found = proofs.bundle(conn, begin, LEAVES_PER_PAGE).leaves if size else ()
    facts = {
        "leaves": [_leaf_line(leaf) for leaf in found],
        "size": size,
        "signed": 0 if latest is None else latest.size,
        "start": begin,
        "per_page": LEAVES_PER_PAGE,
    }
    return ctx.pages.render(request, "audit_leaves.html", facts)


def _csv(table: RecordsTable, zone: tzinfo) -> Response:
    """A download for a spreadsheet: a byte-order mark (Excel and Japanese text), instants in
    the pages' zone, named in the header."""
    header, rows = zoned(table.header, table.rows, zone)
    return PlainTextResponse(
        csv_text(header, rows, bom=True),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{table.name}"'},
    )


@router.get("/audit/decisions.csv", include_in_schema=False)
def decisions_csv(request: Request, ctx: Context) -> Response:
    """Every decision record (service reviews, releases, intake) with its citations."""
    return _csv(record_cases.decision_table(principal_of(request), ctx.reader), ctx.pages.zone)


@router.get("/audit/provisions.csv", include_in_schema=False)
def provisions_csv(request: Request, ctx: Context) -> Response:
    """Every third-party provision record (APPI Art. 29): recipient, items, persons, basis."""
    return _csv(record_cases.provision_table(principal_of(request), ctx.reader), ctx.pages.zone)


class FindingAnswer(BaseModel):
    kind: str
    index: int | None
    end: int | None
    detail: str


class CopyAnswer(BaseModel):
    state: str
    copy_size: int
    ledger_size: int
    reason: str


class AuditAnswer(BaseModel):
    ok: bool
    tree_size: int
    checkpoints: int
    signed_size: int
    unsigned_leaves: int
    heads_consistent: bool
    checkpoint_copy: CopyAnswer
    findings: list[FindingAnswer]


@router.get("/api/v1/audit")
def audit_api(request: Request, ctx: Context) -> AuditAnswer:
    """An audit run of the whole log now (an empty log, or a checkpoint copy outside the
    database that is missing or behind, does not pass)."""
    found = _audit(request, ctx)
    report, copy = found.report, found.copy
    return AuditAnswer(
        ok=found.ok,
        tree_size=report.tree_size,
        checkpoints=report.checkpoints,
        signed_size=report.signed_size,
        unsigned_leaves=report.unsigned_leaves,
        heads_consistent=found.heads_consistent,
        checkpoint_copy=CopyAnswer(
            state=copy.state.value,
            copy_size=copy.copy_size,
            ledger_size=copy.ledger_size,
            reason=_copy_reason(found, negotiate(request)),
        ),
        findings=[
            FindingAnswer(kind=f.kind, index=f.index, end=f.end, detail=f.detail)
            for f in report.findings
        ],
    )
