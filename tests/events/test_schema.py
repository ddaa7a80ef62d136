"""The declared raw schema agrees with the season-format contract."""

from __future__ import annotations

import re
from pathlib import Path

from fairfollow.events.schema import (
    RAW_TABLES,
    TABLES_BY_NAME,
    empty_select,
    raw_value_column,
    reason_case,
    staging_sql,
)

DOC = Path(__file__).parents[2] / "docs" / "season-format.md"


def _doc_codes(file_label: str) -> set[str]:
    """Reason codes the contract lists for one file in its "Injected log dirt" table."""
    section = DOC.read_text(encoding="utf-8").split("## Injected log dirt", 1)[1]
    for line in section.splitlines():
        if line.startswith(f"| `{file_label}"):
            # Codes open each comma-separated item; backticks inside parentheses are not codes.
            return set(re.findall(r"(?:^|, )`([a-z_]+)`", line.split("|")[2].strip()))
    raise AssertionError(f"{file_label} not in {DOC}")


def _spec_codes(name: str) -> set[str]:
    spec = TABLES_BY_NAME[name]
    codes = {rule.reason for rule in spec.rules}
    codes |= {c.null_reason for c in spec.columns if c.null_reason}
    return codes


def test_reason_codes_match_the_contract() -> None:
    assert _spec_codes("events") == _doc_codes("events/")
    assert _spec_codes("partner_events") == _doc_codes("partner_events/")


def test_declared_columns_match_the_contract() -> None:
    text = DOC.read_text(encoding="utf-8")
    for spec in RAW_TABLES:
        row = next(
            line
            for line in text.splitlines()
            if line.startswith(f"| `{spec.pattern.split('/')[0].split('.')[0]}")
        )
        documented = re.findall(r"`([a-z_]+)`", row.split("|")[2])
        assert [c for c in documented if c in spec.column_names] == list(spec.column_names)
        assert set(spec.column_names) <= set(documented), spec.name


def test_case_chain_lists_generic_rules_before_table_rules() -> None:
    case = reason_case(TABLES_BY_NAME["events"], events_from="A", events_to="B")
    assert case.index("'missing_member_id'") < case.index("'unknown_member'")
    assert case.index("'bad_value:company_id'") < case.index("'unknown_company'")
    assert "ts < A OR ts >= B" in case


def test_empty_select_is_typed() -> None:
    sql = empty_select(TABLES_BY_NAME["events"])
    assert 'CAST(NULL AS TIMESTAMPTZ) AS "ts"' in sql and sql.endswith("WHERE false")


def test_columns_of_the_declared_type_are_not_cast() -> None:
    spec = TABLES_BY_NAME["events"]
    described = {
        "event_id": "BIGINT",
        "member_id": "BIGINT",
        "ts": "TIMESTAMP WITH TIME ZONE",
        "event_type": "VARCHAR",
        "company_id": "BIGINT",
        "industry_id": "SMALLINT",
        "device": "VARCHAR",
        "dwell_s": "INTEGER",
    }
    sql = staging_sql(
        spec,
        "src",
        row_expr="r",
        season=2020,
        events_from="A",
        events_to="B",
        source_types=described,
    )
    assert sql.count("TRY_CAST") == 1 and 'TRY_CAST("company_id" AS INTEGER)' in sql
    assert "'bad_value:company_id'" in sql and "'bad_value:ts'" not in sql
    columns = {c.name: c for c in spec.columns}
    assert raw_value_column(spec, columns["company_id"], source_types=described) == (
        "__raw_company_id"
    )
    assert raw_value_column(spec, columns["ts"], source_types=described) == "ts"
