"""The review committee's docket: each data service with what a reviewer must read.

A :class:`ServiceCase` holds a service's latest declaration and state, the rule engine's last
recorded decision on it (every rule's outcome and citation), the DPIA answers, and — when
the latest version reopened review through a material change — the field-by-field
difference from the version approved before (:func:`spec_diff`). Read-only: the commands
that change a service are in :mod:`fairfollow.services.workflow`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from fairfollow.law import dpia
from fairfollow.ledger.transaction import Connection, Engine, reading
from fairfollow.records import decision_store
from fairfollow.services import store
from fairfollow.services.approval import EventKind, ServiceState, State
from fairfollow.services.registry import ServiceSpec, material_changes

# States in which the committee (or the privacy officer before it) still has to act.
WAITING = (State.SUBMITTED, State.PRIVACY_REVIEW, State.COMMITTEE_REVIEW)


@dataclass(frozen=True)
class FieldChange:
    """One declaration field that differs between two versions."""

    field: str
    before: str
    after: str
    material: bool


@dataclass(frozen=True)
class RuleLine:
    rule_id: str
    outcome: str
    citation: str
    summary_en: str
    summary_ja: str
    note: str


@dataclass(frozen=True)
class RuleVerdict:
    """The rule engine's recorded decision on one version of a service."""

    decision_id: int
    version: int | None
    outcome: str
    at: datetime
    rules: tuple[RuleLine, ...]


@dataclass(frozen=True)
class DpiaAnswer:
    question_id: str
    text_en: str
    text_ja: str
    answer: bool | None


@dataclass(frozen=True)
class ServiceCase:
    spec: ServiceSpec
    state: ServiceState
    verdict: RuleVerdict | None
    dpia: tuple[DpiaAnswer, ...]
    compared_with: int | None  # the version the diff is against (None: first version)
    changes: tuple[FieldChange, ...]

    @property
    def waiting(self) -> bool:
        return self.state.state in WAITING

    @property
    def reopened(self) -> bool:
        """The latest version came back to review through a material change."""
        return any(
            e.kind is EventKind.REVIEW_REOPENED and e.version == self.state.version
            for e in self.state.history
        )


def _text(value: object) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, tuple | list):
        value = [v.model_dump(mode="json") if hasattr(v, "model_dump") else v for v in value]
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def spec_diff(before: ServiceSpec, after: ServiceSpec) -> tuple[FieldChange, ...]:
    """Every declaration field that differs, material ones first (pure)."""
    material = {field.split(".")[0] for field in material_changes(before, after)}
    changes = [
        FieldChange(
            name, _text(getattr(before, name)), _text(getattr(after, name)), name in material
        )
        for name in ServiceSpec.model_fields
        if getattr(before, name) != getattr(after, name)
    ]
    return tuple(sorted(changes, key=lambda c: (not c.material, c.field)))


def _verdict(conn: Connection, service_id: str) -> RuleVerdict | None:
    found = [
        d
        for d in decision_store.load_decisions(conn, request="service_review")
        if d.service_id == service_id
    ]
    if not found:
        return None
    last = found[-1]
    rules = json.loads(last.rules).get("rules", [])
    return RuleVerdict(
        last.decision_id,
        last.service_version,
        last.outcome,
        last.at,
        tuple(
            RuleLine(
                r["rule"],
                r["outcome"],
                r["citation"],
                r["summary_en"],
                r["summary_ja"],
                r.get("note", ""),
            )
            for r in rules
        ),
    )


def _dpia(spec: ServiceSpec) -> tuple[DpiaAnswer, ...]:
    answers = spec.dpia.answers
    return tuple(
        DpiaAnswer(q.question_id, q.text_en, q.text_ja, answers.get(q.question_id))
        for q in dpia.QUESTIONS
    )


def _case(conn: Connection, service_id: str) -> ServiceCase:
    state = store.service_state(conn, service_id)
    spec = store.load_spec(conn, service_id)
    # Compare with the version approved before, else the previous one.
    base = state.approved_version if state.approved_version != state.version else None
    if base is None and state.version > 1:
        base = state.version - 1
    changes = spec_diff(store.load_spec(conn, service_id, base), spec) if base else ()
    return ServiceCase(spec, state, _verdict(conn, service_id), _dpia(spec), base, changes)


def docket(engine: Engine) -> list[ServiceCase]:
    """Every service, those waiting for review first (oldest service id order within)."""
    with reading(engine, "review docket") as conn:
        cases = [_case(conn, service_id) for service_id in store.list_services(conn)]
    return sorted(cases, key=lambda c: (not c.waiting, c.spec.service_id))


def service_case(engine: Engine, service_id: str) -> ServiceCase:
    """One service's case (an unknown id is a :class:`~fairfollow.errors.GovernanceError`)."""
    with reading(engine, "review case") as conn:
        return _case(conn, service_id)
