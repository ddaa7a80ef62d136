"""Decisions for people: every outcome, reason code, workflow event and audit kind the core
records has a term in both languages, and citations take each language's form."""

from __future__ import annotations

import pytest

from fairfollow.accounts.account import AuditKind
from fairfollow.law.packs import RULES
from fairfollow.law.rules import Outcome
from fairfollow.messages import catalogue, decisions
from fairfollow.release.refusal import REASONS
from fairfollow.services.approval import EventKind

RECORDED_REASONS = (*REASONS, "released", "accepted", "retention_ended", "rules_allow")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_code_has_a_term(language: str) -> None:
    keys = [
        *(f"term.outcome.{o.value}" for o in Outcome),
        *(f"term.event_kind.{k.value}" for k in EventKind),
        *(f"term.audit_kind.{k.value}" for k in AuditKind),
        *(f"term.decision_reason.{r}" for r in RECORDED_REASONS),
    ]
    assert [k for k in keys if not catalogue.entries(language).get(k)] == []


def test_a_japanese_reader_sees_no_code() -> None:
    assert decisions.outcome("deny", "ja") == "不可"
    assert decisions.event_kind(EventKind.VETOED, "ja") == "拒否権の行使"
    assert decisions.reason("individual_release_refused", "ja").isascii() is False
    assert decisions.reason("file_refused:SchemaError", "en") == "file refused"


def test_citations_take_each_languages_form() -> None:
    rule = next(r for r in RULES if r.law == "APPI" and r.article == "27" and r.paragraph == "1")
    assert decisions.citation(rule.rule_id, "ja") == "個人情報保護法第27条第1項"
    assert decisions.citation(rule.rule_id, "en") == "APPI Art. 27(1)"
    assert decisions.citation("no-such-rule", "ja") == "no-such-rule"
