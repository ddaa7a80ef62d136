"""The records the law makes the platform keep: who received data about a member (APPI
Art. 33(5)), the purge of records past retention, and the decision and provision records as
tables (APPI Art. 29) for those who oversee them.

A member reads its own provisions; an operator or the privacy officer reads another
member's (``records.member``) only on a logged request, which the core records in the audit
trail. A purge (``records.purge``) deletes at the ledger's own clock and logs the counts.
The decision and provision tables (``records.read``) go to the privacy officer and the
auditor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairfollow.accounts import authority
from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, require
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.records import report
from fairfollow.records.provision import Provision
from fairfollow.records.provision_store import provisions_for_member
from fairfollow.records.retention import PurgeReport, purge_records


@dataclass(frozen=True)
class MemberProvisions:
    member_id: int
    provisions: tuple[Provision, ...]

    def as_json(self) -> dict[str, object]:
        return {"member_id": self.member_id, "provisions": [p.as_json() for p in self.provisions]}


@dataclass(frozen=True)
class RecordsTable:
    """A table of records, ready for a CSV export: its file name, header and rows."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


def member_provisions(
    principal: Principal | None, member_id: int, request: str, engine: Engine, now: datetime
) -> MemberProvisions:
    """Who received data about the member: the member's own account, or staff on a logged
    request (the reference is kept in the audit trail)."""
    me = require(principal, Action.ACCOUNT_SELF)
    if me.member_id != member_id:
        require(me, Action.RECORDS_MEMBER)
    authority.authorize_member_read(engine, me, member_id, request=request, now=now)
    with reading(engine, "records member") as conn:
        return MemberProvisions(member_id, tuple(provisions_for_member(conn, member_id)))


def purge(principal: Principal | None, engine: Engine) -> PurgeReport:
    """Delete provision and confirmation records past retention at the ledger's clock."""
    return purge_records(engine, require(principal, Action.RECORDS_PURGE))


def decision_table(principal: Principal | None, engine: Engine) -> RecordsTable:
    """Every decision record (service reviews, releases, intake) with its citations."""
    require(principal, Action.RECORDS_READ)
    with reading(engine, "decision records") as conn:
        rows = report.decision_rows(report.all_decisions(conn))
    return RecordsTable("decisions.csv", report.DECISION_HEADER, tuple(rows))


def provision_table(principal: Principal | None, engine: Engine) -> RecordsTable:
    """Every third-party provision record (APPI Art. 29): recipient, items, persons, basis."""
    require(principal, Action.RECORDS_READ)
    with reading(engine, "provision records") as conn:
        rows = report.provision_rows(conn)
    return RecordsTable("provisions.csv", report.PROVISION_HEADER, tuple(rows))
