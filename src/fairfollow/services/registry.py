"""Data-service declarations: what a service reads, produces and gives to whom (pure).

A data service declares its purposes, data categories in and out, recipients (class and
named), granularity, retention, legal basis, a **named product owner**, and its answers to
the DPIA questionnaire (:mod:`fairfollow.law.dpia`). A declaration without an owner is refused:
the 2019 service had none (責任者不在). Declarations are versioned by the ledger
(:mod:`fairfollow.services.store`); a change to an approved service that touches what
goes out — purposes, recipients, granularity, data categories, output keys, derived
evaluations — is *material* and sends it back to review, and so is one that removes or
weakens a safeguard the review relied on (a rule pack, a DPIA answer, a necessity statement,
the retention, the legal basis): :func:`material_changes` computes it from the versions.

Files are TOML or JSON with the fields of :class:`ServiceSpec`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fairfollow import canonical_json
from fairfollow.errors import GovernanceError, InputError
from fairfollow.law import dpia
from fairfollow.law.rules import Granularity, PurposeFacts, RuleConfig, ServiceFacts

_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
_ID_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
Text = Annotated[str, Field(min_length=1)]

# The fields whose change is material (APPI Art. 17(2), 21(3)): they change what goes out.
MATERIAL_FIELDS: tuple[str, ...] = (
    "purposes",
    "recipients",
    "granularity",
    "data_categories_in",
    "data_categories_out",
    "output_keys",
    "derived_evaluation",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PurposeSpec(_Frozen):
    key: Text
    description_ja: str
    description_en: str
    analysis: str
    output: str
    recipient_class: str


class Recipients(_Frozen):
    recipient_class: Text
    named: tuple[str, ...] = ()

    @field_validator("named")
    @classmethod
    def _named_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not _ID_TOKEN.match(name):
                raise ValueError(f"recipient name {name!r} is not an identifier")
        return tuple(sorted(set(value)))


class Dpia(_Frozen):
    questionnaire: str = dpia.QUESTIONNAIRE_VERSION
    answers: dict[str, bool] = Field(default_factory=dict)
    necessity: dict[str, str] = Field(default_factory=dict)

    @field_validator("answers")
    @classmethod
    def _known_questions(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = dpia.unknown_answers(value)
        if unknown:
            raise ValueError(f"not questions of the DPIA questionnaire: {', '.join(unknown)}")
        return value


class ServiceSpec(_Frozen):
    """One version of a data service's declaration."""

    service_id: str
    name: Text
    owner: str
    purposes: tuple[PurposeSpec, ...]
    data_categories_in: tuple[str, ...]
    data_categories_out: tuple[str, ...]
    recipients: Recipients
    granularity: Granularity
    output_keys: tuple[str, ...] = ()
    derived_evaluation: bool = False
    uses_model: bool = False
    retention_days: int | None = None
    legal_basis: str | None = None
    packs: tuple[str, ...] = ("jp",)
    dpia: Dpia = Field(default_factory=Dpia)

    @field_validator("service_id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("service_id must be a lower-case slug (a-z, 0-9, -)")
        return value

    @field_validator("data_categories_in", "data_categories_out", "output_keys", "packs")
    @classmethod
    def _sorted_set(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))

    def purpose_keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.purposes)

    def facts(self) -> ServiceFacts:
        """What the rule engine reads."""
        return ServiceFacts(
            service_id=self.service_id,
            purposes=tuple(
                PurposeFacts(
                    p.key,
                    p.description_ja,
                    p.description_en,
                    p.analysis,
                    p.output,
                    p.recipient_class,
                )
                for p in self.purposes
            ),
            data_in=frozenset(self.data_categories_in),
            data_out=frozenset(self.data_categories_out),
            recipient_class=self.recipients.recipient_class,
            granularity=self.granularity,
            output_keys=frozenset(self.output_keys),
            derived_evaluation=self.derived_evaluation,
            retention_days=self.retention_days,
            legal_basis=self.legal_basis,
            uses_model=self.uses_model,
            answers=dict(self.dpia.answers),
            necessity=dict(self.dpia.necessity),
        )

    def rule_config(self) -> RuleConfig:
        return RuleConfig(packs=self.packs)

    def canonical(self) -> bytes:
        """Canonical JSON of the declaration (what the ledger stores and hashes)."""
        return canonical_json.dumps(json.loads(self.model_dump_json()))

    def digest(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def names(self, recipient: str) -> bool:
        return recipient in self.recipients.named


def validate_spec(data: object) -> ServiceSpec:
    """A declaration from plain data; refused without a named product owner."""
    try:
        spec = ServiceSpec.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            "services.declaration_invalid",
            fields=[".".join(str(part) for part in e["loc"]) for e in exc.errors()],
        ) from exc
    if not spec.owner.strip():
        raise GovernanceError("services.owner_missing", service=spec.service_id)
    return spec


def spec_from_json(text: str | bytes) -> ServiceSpec:
    return validate_spec(json.loads(text))


def load_spec(path: Path) -> ServiceSpec:
    """Read a declaration from a ``.toml`` or ``.json`` file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError("services.file_unreadable", path=str(path)) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8")) if path.suffix == ".toml" else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError("services.file_invalid", path=str(path)) from exc
    return validate_spec(data)


def _weakened(before: ServiceSpec, after: ServiceSpec) -> tuple[str, ...]:
    """The safeguards the review relied on that the later version removes or weakens
    (issue 27: rule packs switched off and every DPIA answer turned to "no" counted as
    non-material and kept the approval). Strengthening one is not material."""
    found: list[str] = []
    if set(before.packs) - set(after.packs):
        found.append("packs")
    if before.dpia.questionnaire != after.dpia.questionnaire:
        found.append("dpia.questionnaire")
    yes_before = {q for q, yes in before.dpia.answers.items() if yes}
    if yes_before - {q for q, yes in after.dpia.answers.items() if yes}:
        found.append("dpia.answers")  # a yes turned to no, or left unanswered
    stated = {c for c, why in before.dpia.necessity.items() if why.strip()}
    if stated - {c for c, why in after.dpia.necessity.items() if why.strip()}:
        found.append("dpia.necessity")
    kept, keeps = before.retention_days, after.retention_days
    if (keeps is None and kept is not None) or (
        kept is not None and keeps is not None and keeps > kept
    ):
        found.append("retention_days")
    if before.legal_basis != after.legal_basis:
        found.append("legal_basis")
    if after.uses_model and not before.uses_model:
        found.append("uses_model")
    return tuple(found)


def material_changes(before: ServiceSpec, after: ServiceSpec) -> tuple[str, ...]:
    """What makes the later version material, computed from the two versions (never
    declared): any change of a field of :data:`MATERIAL_FIELDS`, and any safeguard removed
    or weakened (packs, DPIA answers and necessity, retention, legal basis, model use).
    Empty: not material, and an approval carries over."""
    changed = tuple(n for n in MATERIAL_FIELDS if getattr(before, n) != getattr(after, n))
    return changed + _weakened(before, after)
