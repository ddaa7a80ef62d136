"""Every column of the ledger that names who acted holds the one actor form, and migration
``actor_0001`` rewrote the five old forms. The columns are found by name in the metadata
(``actor``, ``by``, ``*_by``, ``by_*``), so a new one cannot escape."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

import fairfollow
from fairfollow.actor import is_actor
from fairfollow.ledger.columns import ActorColumn
from fairfollow.ledger.engine import make_engine, metadata, upgrade

# Columns whose name says "by" but that name no person: the key an intake was matched by.
NOT_A_PERSON = {("gov_intakes", "keyed_by")}
AT = datetime(2026, 1, 1, tzinfo=UTC)


def _load_every_table() -> None:
    for module in pkgutil.walk_packages(fairfollow.__path__, "fairfollow."):
        name = module.name.rsplit(".", 1)[-1]
        if name == "store" or name.endswith("_store"):
            importlib.import_module(module.name)


def names_a_person(column: str) -> bool:
    return column in {"actor", "by"} or column.endswith("_by") or column.startswith("by_")


def actor_columns() -> list[tuple[str, str]]:
    """(table, column) of every actor column in the ledger's metadata."""
    _load_every_table()
    return sorted(
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if names_a_person(column.name) and (table.name, column.name) not in NOT_A_PERSON
    )


def test_every_actor_column_takes_and_gives_an_actor() -> None:
    found = actor_columns()
    assert ("gov_decisions", "actor") in found and ("acct_role_events", "by_account") in found
    assert len(found) >= 12
    untyped = [
        f"{t}.{c}"
        for t, c in found
        if not isinstance(metadata.tables[t].columns[c].type, ActorColumn)
    ]
    assert untyped == []


def actor_values(engine: sa.Engine) -> dict[str, list[str]]:
    """Every stored value of every actor column, by ``table.column``."""
    values: dict[str, list[str]] = {}
    present = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        for table, column in actor_columns():
            if table in present:
                query = f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"
                values[f"{table}.{column}"] = [
                    str(v) for v in conn.exec_driver_sql(query).scalars()
                ]
    return values


def test_the_migration_rewrites_the_old_forms(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    for head in (
        "acct_0002",
        "rel_0001_member_odometer",
        "rights_0001",
        "0101_consent_quarantine_field",
    ):
        upgrade(engine, head)
    hanako, admin = "acc-0123456789abcdef", "acc-fedcba9876543210"
    with engine.begin() as conn:
        for account_id, login, by in ((admin, "admin", None), (hanako, "hanako", admin)):
            conn.execute(
                sa.text(
                    "INSERT INTO acct_accounts (account_id, login, display_name, disabled,"
                    " created_at, created_by) VALUES (:i, :l, :l, 0, :at, :by)"
                ),
                {"i": account_id, "l": login, "at": AT.replace(tzinfo=None), "by": by},
            )
        conn.execute(
            sa.text(
                "INSERT INTO acct_role_events (account_id, role, granted, by_account, at)"
                " VALUES (:i, 'operator', 1, :by, :at)"
            ),
            {"i": hanako, "by": admin, "at": AT.replace(tzinfo=None)},
        )
        old_forms = [
            f"hanako ({hanako})",
            "hanako",
            "account:Hanako",
            hanako,
            "employer-portal",
            "intake",
            "privacy officer (demo)",
            "somebody else",
        ]
        for actor in old_forms:
            conn.execute(
                sa.text(
                    "INSERT INTO gov_decisions (request, outcome, reason, detail, rules, actor, at)"
                    " VALUES ('release', 'allow', 'ok', '{}', '[]', :actor, :at)"
                ),
                {"actor": actor, "at": AT.replace(tzinfo=None)},
            )
    upgrade(engine)
    values = actor_values(engine)
    assert values["gov_decisions.actor"] == [
        *[f"hanako ({hanako})"] * 4,
        "portal (sys-portal)",
        "intake (sys-intake)",
        "demo (sys-demo)",
        "somebody_else (sys-unmapped)",
    ]
    assert values["acct_accounts.created_by"] == [f"admin ({admin})"]
    assert values["acct_role_events.by_account"] == [f"admin ({admin})"]
    assert all(is_actor(v) for vs in values.values() for v in vs)
    engine.dispose()
