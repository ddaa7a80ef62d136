"""Decisions as people read them: outcomes, reason codes, workflow events, audit kinds and
rule citations, in Japanese or English (terms in ``decisions.po``).

The core keeps these as stable codes (``deny``, ``individual_release_refused``,
``service.vetoed``, ``account.login``); an adapter shows them through these functions. A
code the catalogue does not know is shown as it is, so a new code is visible, not hidden.
"""

from __future__ import annotations

from fairfollow.consent.policy import ActivationDecision
from fairfollow.law.packs import RULES
from fairfollow.messages import catalogue, formats


def _value(code: object) -> str:
    return str(getattr(code, "value", code))


def _term(kind: str, code: object, language: str) -> str:
    value = _value(code)
    key = f"term.{kind}.{value}"
    return catalogue.text(key, language) if key in catalogue.entries(language) else value


def outcome(code: object, language: str) -> str:
    """``allow`` / ``deny`` / ``gap``: 許可 / 不可 / 確認事項あり."""
    return _term("outcome", code, language)


def reason(code: object, language: str) -> str:
    """A decision's reason code (``file_refused:SchemaError`` is read as ``file_refused``)."""
    return _term("decision_reason", _value(code).partition(":")[0], language)


def event_kind(code: object, language: str) -> str:
    """A service workflow event (``service.vetoed``)."""
    return _term("event_kind", code, language)


def audit_kind(code: object, language: str) -> str:
    """An account audit event (``account.login``)."""
    return _term("audit_kind", code, language)


def citation(rule_id: str, language: str) -> str:
    """The article a rule rests on, cited in ``language``'s form, then its further sources
    (guidelines, FAQ entries) as the pack names them; the rule id if unknown."""
    for rule in RULES:
        if rule.rule_id == rule_id:
            cited = formats.citation(rule.law, rule.article, rule.paragraph, language)
            also = formats.source(rule.also, language)
            joiner = "、" if language == "ja" else "; "
            return f"{cited}{joiner}{also}" if also else cited
    return rule_id


def gate_reasons(decision: ActivationDecision, language: str) -> list[str]:
    """Why the activation gate refused (or what a forced activation overrode), one sentence
    per reason, with the version, its status and the lagging screens it names."""
    screens = [
        catalogue.text(
            "consent.gate.screen_shows",
            language,
            screen=s.screen_id,
            version=s.displayed or "-",
        )
        for s in decision.lagging
    ]
    tied = [p.purpose_key + (f" @ {p.screen_id}" if p.screen_id else "") for p in decision.tied]
    params: dict[str, object] = {
        "version": decision.version_id,
        "screens": screens,
        "purposes": tied,
    }
    if decision.status is not None:
        params["status"] = decision.status
    return [catalogue.text(str(code), language, **params) for code in decision.reasons]
