"""One actor format in every actor column: ``login (acc-…)`` or ``name (sys-name)``.

Revision ID: actor_0001
Revises: 0101_consent_quarantine_field, acct_0002, rel_0001_member_odometer, rights_0001

Before this revision one person was written five ways: ``hanako (acc-…)``, ``hanako``,
``account:hanako``, an account id (``acc-…``), and the platform as free strings
(``employer-portal``, ``intake``, ``rule-engine``, ``release-door``,
``import:raw/policies.json``, ``privacy officer (demo)``). Each stored value is rewritten:

- ``login (acc-…)`` is kept as it is;
- an account id, a login or ``account:login`` is looked up in ``acct_accounts`` and written
  with the account's id and login;
- a known platform string becomes its system actor (:data:`fairfollow.actor.SYSTEM`);
- anything else (a typed name of an account that never existed: the ledger held free text
  before accounts did) cannot be tied to an account and is kept, readable, as
  ``<name> (sys-unmapped)``, whitespace replaced by ``_``: the id says nobody can vouch for it.

``created_by`` and ``by_account`` were 32-character account ids; they widen to text on
PostgreSQL (SQLite does not enforce the length; see ``ActorColumn``).
Log leaves that name a person (``by``) are not rewritten: they are hashed into the
transparency log, and changing one would break every proof after it. Downgrade keeps the
new form (the old forms were ambiguous; nothing reads them).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "actor_0001"
down_revision = (
    "0101_consent_quarantine_field",
    "acct_0002",
    "rel_0001_member_odometer",
    "rights_0001",
)
branch_labels = None
depends_on = None

# (table, primary key, actor columns): every actor column the ledger had at this revision.
COLUMNS = (
    ("gov_decisions", "decision_id", ("actor",)),
    ("gov_service_versions", ("service_id", "version"), ("registered_by",)),
    ("gov_workflow_events", "event_id", ("actor",)),
    ("gov_committee_events", "committee_event_id", ("by",)),
    ("gov_budget_entries", "entry_id", ("actor",)),
    ("gov_intakes", "intake_id", ("actor",)),
    ("rights_requests", "request_id", ("identity_verified_by",)),
    ("rights_actions", "action_id", ("actor",)),
    ("policy_status_events", "status_event_id", ("actor",)),
    ("policy_activation_decisions", "decision_id", ("actor",)),
    ("acct_accounts", "account_id", ("created_by",)),
    ("acct_role_events", "role_event_id", ("by_account",)),
    ("gov_role_events", "role_event_id", ("actor", "by")),  # unused since accounts
)
SYSTEM = {
    "employer-portal": "portal",
    "intake": "intake",
    "rule-engine": "rule-engine",
    "release-door": "release-door",
    "import:raw/policies.json": "import",
    "privacy officer (demo)": "demo",
}
ACTOR = re.compile(r"\S+ \((acc-[0-9a-f]{16}|sys-[a-z][a-z0-9-]*)\)")
ACCOUNT_ID = re.compile(r"acc-[0-9a-f]{16}")


def mapped(value: str, by_id: dict[str, str], by_login: dict[str, str]) -> str:
    """The one form of a stored actor value (see the module docstring)."""
    if ACTOR.fullmatch(value):
        return value
    if value in SYSTEM:
        name = SYSTEM[value]
        return f"{name} (sys-{name})"
    if ACCOUNT_ID.fullmatch(value) and value in by_id:
        return f"{by_id[value]} ({value})"
    login = value.removeprefix("account:").strip().casefold()
    if login in by_login:
        return f"{login} ({by_login[login]})"
    name = re.sub(r"\s+", "_", value.strip()) or "?"
    return f"{name} (sys-unmapped)"


def _existing(bind: sa.engine.Connection) -> set[str]:
    return set(sa.inspect(bind).get_table_names())


def upgrade() -> None:
    bind = op.get_bind()
    tables = _existing(bind)
    # SQLite never enforces a VARCHAR's length, and rebuilding acct_accounts to change the
    # type would break the foreign keys pointing at it: widen on PostgreSQL only.
    if bind.dialect.name != "sqlite":
        for table, column, nullable in (
            ("acct_accounts", "created_by", True),
            ("acct_role_events", "by_account", False),
        ):
            if table in tables:
                op.alter_column(table, column, type_=sa.Text, existing_nullable=nullable)
    by_id: dict[str, str] = {}
    if "acct_accounts" in tables:
        rows = bind.execute(sa.text("SELECT account_id, login FROM acct_accounts"))
        by_id = {str(i): str(login) for i, login in rows}
    by_login = {login: i for i, login in by_id.items()}
    for table, key, columns in COLUMNS:
        if table not in tables:
            continue
        keys = (key,) if isinstance(key, str) else key
        for column in columns:
            query = f"SELECT {', '.join(keys)}, {column} FROM {table} WHERE {column} IS NOT NULL"
            for row in bind.execute(sa.text(query)).all():
                *ids, value = row
                new = mapped(str(value), by_id, by_login)
                if new == value:
                    continue
                where = " AND ".join(f"{k} = :k{n}" for n, k in enumerate(keys))
                params = {f"k{n}": v for n, v in enumerate(ids)} | {"value": new}
                bind.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE {where}"), params)


def downgrade() -> None:
    """Nothing to undo: the one form is readable by every earlier revision (text columns)."""
