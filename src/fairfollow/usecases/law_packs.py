"""The rule packs as they stand: every rule with its dates and whether it applies on a day,
and the pack version logged as a leaf whenever it changes (``law.pack``), so anyone can tell
which rules were in force when a decision was made. Reading is public (the rules are
published in docs/governance.md anyway); logging a version is the workspace's own shell or
an operator (``log.publish``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, check
from fairfollow.canonical_json import JsonValue
from fairfollow.law.pack_version import pack_summary, pack_version
from fairfollow.law.packs import RULES
from fairfollow.law.rules import Rule
from fairfollow.ledger.transaction import Engine, transaction
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, LogRecord


@dataclass(frozen=True)
class PackState:
    version: str
    on: date
    rules: tuple[Rule, ...]

    def applying(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.applies_on(self.on))


@dataclass(frozen=True)
class PackLogged:
    version: str
    leaf_index: int
    new: bool  # False: this version was already in the log


def pack_state(principal: Principal | None, on: date) -> PackState:
    check(principal, Action.SITE_READ)
    return PackState(pack_version(RULES), on, RULES)


def log_pack_version(
    principal: Principal | None, engine: Engine, *, local: bool = False
) -> PackLogged:
    """Append a ``law.pack`` leaf for the current version unless the log holds it."""
    check(principal, Action.LOG_PUBLISH, local=local)
    version = pack_version(RULES)
    ref = f"pack-{version[:32]}"
    with transaction(engine, "rule pack version") as conn:
        found = log_store.find_leaf(conn, LeafKind.RULE_PACK, ref)
        if found is not None:
            return PackLogged(version, found.index, new=False)
        body: dict[str, JsonValue] = {"version": version, "rules": pack_summary(RULES)}
        leaf = log_store.append(conn, LogRecord(LeafKind.RULE_PACK, ref, body))
        return PackLogged(version, leaf.index, new=True)
