"""The legal-rule engine: rules as data, decisions as values (pure).

A rule is a row of data: id, pack (``jp``, ``eu``), law, article and paragraph, summaries in
Japanese and English, and a ``check`` that looks at a :class:`RuleContext` and returns a
:class:`Finding`. The packs themselves live in :mod:`fairfollow.law.packs`; this module
evaluates them and renders them.

A context describes one request: the design of a data service (``service``, asked when the
service is submitted for review) and, for a release, what the release door is about to do
(``release``). Each rule answers

* ``allow`` — the rule is met (or does not apply, with a note saying so),
* ``deny`` — the rule is broken; nothing may go out,
* ``gap`` — the configuration is incomplete, so the rule cannot be decided (fail closed:
  a gap blocks a release as a denial does, but tells the owner what to fill in).

The decision is ``deny`` if any rule denies, else ``gap`` if any rule has a gap, else
``allow``; it carries every rule's outcome and citation so that it can be logged as is.
Mandatory rules are evaluated whatever packs are chosen and cannot be disabled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from fairfollow.errors import ConfigError
from fairfollow.law.citation import Citation
from fairfollow.law.dating import Dating, applies_on, governing


class Outcome(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    GAP = "gap"


class Granularity(StrEnum):
    """What one output row describes: a group of people, or one person."""

    AGGREGATE = "aggregate"
    INDIVIDUAL = "individual"


# A note's parameters: values only (numbers, names, lists of names), so that a decision can
# be logged as JSON and its note worded in each language by the adapters.
NoteParams = Mapping[str, object]


@dataclass(frozen=True)
class Finding:
    """A check's outcome and its note: a catalogue code (``law.note.*``, "" for none) and
    the values the sentence needs."""

    outcome: Outcome
    note: str
    params: NoteParams = field(default_factory=dict)


def allow(note: str = "", **params: object) -> Finding:
    return Finding(Outcome.ALLOW, note, params)


def deny(note: str, **params: object) -> Finding:
    return Finding(Outcome.DENY, note, params)


def gap(note: str, **params: object) -> Finding:
    return Finding(Outcome.GAP, note, params)


@dataclass(frozen=True)
class PurposeFacts:
    """A purpose as the service declares it: what is analysed, what comes out, for whom."""

    key: str
    description_ja: str
    description_en: str
    analysis: str
    output: str
    recipient_class: str


@dataclass(frozen=True)
class ServiceFacts:
    """The design of a data service, as registered (see :mod:`fairfollow.services.registry`).

    ``answers`` are the yes/no answers of the DPIA questionnaire (a missing key is an
    unanswered question); ``necessity`` says why each input data category is needed.
    """

    service_id: str
    purposes: tuple[PurposeFacts, ...]
    data_in: frozenset[str]
    data_out: frozenset[str]
    recipient_class: str
    granularity: Granularity
    output_keys: frozenset[str]
    derived_evaluation: bool
    retention_days: int | None
    legal_basis: str | None
    uses_model: bool
    answers: Mapping[str, bool] = field(default_factory=dict)
    necessity: Mapping[str, str] = field(default_factory=dict)

    def answer(self, question: str) -> bool | None:
        return self.answers.get(question)


@dataclass(frozen=True)
class ReleaseFacts:
    """What the release door is about to do, established by the door itself."""

    recipient: str
    recipient_class: str
    recipient_named: bool  # the recipient is among the service's named recipients
    purpose_key: str
    granularity: Granularity
    output_keys: frozenset[str]
    derived_evaluation: bool
    consent_evaluated: bool  # every subject's consent was evaluated for the purpose
    unconsented_subjects_used: int  # subjects whose behavioural data is used without consent
    combination_consent_evaluated: bool  # employer list × browsing only where consent covers it
    clients_mixed: bool  # data of another client is part of this output
    attestation_recorded: bool  # the employer's list came with an Art. 30 confirmation record
    provision_record: bool  # a provision record (with its subjects) is written with the release


@dataclass(frozen=True)
class RuleContext:
    """One request to decide: a service design, and for a release what is about to happen."""

    service: ServiceFacts | None
    release: ReleaseFacts | None = None

    @property
    def granularity(self) -> Granularity | None:
        if self.release is not None:
            return self.release.granularity
        return None if self.service is None else self.service.granularity

    @property
    def recipient_class(self) -> str | None:
        if self.release is not None:
            return self.release.recipient_class
        return None if self.service is None else self.service.recipient_class

    @property
    def output_keys(self) -> frozenset[str]:
        found = frozenset() if self.service is None else self.service.output_keys
        return found | (frozenset() if self.release is None else self.release.output_keys)

    @property
    def derived_evaluation(self) -> bool:
        declared = self.service is not None and self.service.derived_evaluation
        return declared or (self.release is not None and self.release.derived_evaluation)

    @property
    def data_categories(self) -> frozenset[str]:
        if self.service is None:
            return frozenset()
        return self.service.data_in | self.service.data_out


Check = Callable[[RuleContext], Finding]
Breach = Callable[[RuleContext], RuleContext]


@dataclass(frozen=True)
class Rule:
    """One legal rule. ``breach`` turns a compliant context into one this rule denies: the
    rule's own failing example, from which the tests are generated."""

    rule_id: str
    pack: str
    law: str
    article: str
    paragraph: str
    also: str  # further sources: guidelines, rules, FAQ entries
    summary_ja: str
    summary_en: str
    check: Check
    breach: Breach
    mandatory: bool = False
    # When the rule applies, by source and its status (law/dating.py); empty: always.
    dates: tuple[Dating, ...] = ()

    def applies_on(self, day: date) -> bool:
        return applies_on(self.dates, day)

    @property
    def cited(self) -> Citation:
        """The article itself, for adapters that cite it in the reader's language."""
        return Citation(self.law, self.article, self.paragraph)

    @property
    def citation(self) -> str:
        """The English citation with the further sources (stored in decision records)."""
        where = str(self.cited)
        return f"{where}; {self.also}" if self.also else where


@dataclass(frozen=True)
class RuleResult:
    """One rule's outcome. ``citation`` is the English citation string (kept for stored
    records); ``law``, ``article`` and ``paragraph`` let an adapter cite the rule in each
    language, and ``note_code`` with ``note_params`` word the note from the catalogue."""

    rule_id: str
    outcome: Outcome
    citation: str
    summary_en: str
    summary_ja: str
    note_code: str
    mandatory: bool
    note_params: NoteParams = field(default_factory=dict)
    law: str = ""
    article: str = ""
    paragraph: str = ""

    @property
    def note(self) -> str:
        """The note's code, as decision records store it under ``"note"``."""
        return self.note_code

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule_id,
            "outcome": self.outcome.value,
            "citation": self.citation,
            "summary_en": self.summary_en,
            "summary_ja": self.summary_ja,
            "note": self.note_code,
            "note_code": self.note_code,
            "note_params": dict(self.note_params),
            "law": self.law,
            "article": self.article,
            "paragraph": self.paragraph,
            "mandatory": self.mandatory,
        }


@dataclass(frozen=True)
class Decision:
    """The engine's answer: the overall outcome and every rule's outcome with its citation."""

    outcome: Outcome
    results: tuple[RuleResult, ...]
    packs: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    def with_outcome(self, outcome: Outcome) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.outcome is outcome)

    @property
    def citations(self) -> tuple[str, ...]:
        """Citations of the rules that denied, else of those with gaps (empty when allowed)."""
        blocking = self.with_outcome(Outcome.DENY) or self.with_outcome(Outcome.GAP)
        return tuple(r.citation for r in blocking)

    def as_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value,
            "packs": list(self.packs),
            "denied_by": [r.rule_id for r in self.with_outcome(Outcome.DENY)],
            "gaps": [r.rule_id for r in self.with_outcome(Outcome.GAP)],
            "citations": list(self.citations),
            "rules": [r.as_json() for r in self.results],
        }


@dataclass(frozen=True)
class RuleConfig:
    """Which packs to evaluate and which (non-mandatory) rules a deployment switches off."""

    packs: tuple[str, ...] = ("jp",)
    disabled: frozenset[str] = frozenset()


def select(rules: Sequence[Rule], config: RuleConfig) -> tuple[Rule, ...]:
    """The rules a configuration evaluates; mandatory ones always, whatever it says."""
    known = {r.rule_id: r for r in rules}
    packs = {r.pack for r in rules}
    for pack in config.packs:
        if pack not in packs:
            raise ConfigError("law.unknown_pack", pack=pack, known=sorted(packs))
    for rule_id in sorted(config.disabled):
        rule = known.get(rule_id)
        if rule is None:
            raise ConfigError("law.unknown_rule", rule=rule_id)
        if rule.mandatory:
            raise ConfigError("law.mandatory_rule", rule=rule_id, citation=rule.cited)
    return tuple(
        r
        for r in rules
        if r.mandatory or (r.pack in config.packs and r.rule_id not in config.disabled)
    )


def _run(rule: Rule, context: RuleContext, on: date | None = None) -> RuleResult:
    dated = governing(rule.dates)
    try:
        if on is not None and dated is not None and not rule.applies_on(on):
            # not (or no longer) applicable on that day: said, with its source's date
            finding = allow(
                "law.note.not_applicable_on",
                day=on,
                applies_from=dated.applies_from,
                source=dated.source,
            )
        else:
            finding = rule.check(context)
    except Exception as exc:  # a broken check must not let anything through
        finding = gap("law.note.check_failed", error=type(exc).__name__, detail=str(exc))
    return RuleResult(
        rule.rule_id,
        finding.outcome,
        rule.citation,
        rule.summary_en,
        rule.summary_ja,
        finding.note,
        rule.mandatory,
        finding.params,
        rule.law,
        rule.article,
        rule.paragraph,
    )


def evaluate(
    rules: Sequence[Rule], context: RuleContext, config: RuleConfig, on: date | None = None
) -> Decision:
    """Run the selected rules on ``context``; deny beats gap beats allow. ``on``: the day
    (JST) the request is decided; a rule not applying that day allows with a note saying
    so. Without a day every rule applies (fail closed)."""
    results = tuple(_run(rule, context, on) for rule in select(rules, config))
    outcomes = {r.outcome for r in results}
    if Outcome.DENY in outcomes:
        overall = Outcome.DENY
    elif Outcome.GAP in outcomes or not results:
        overall = Outcome.GAP
    else:
        overall = Outcome.ALLOW
    return Decision(overall, results, tuple(config.packs))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rules: Iterable[Rule]) -> str:
    """The rule table of docs/governance.md, generated from the rule data."""
    lines = [
        "| pack | rule | citation | what it requires | 要件 | applies from (source, status) |",
        "|---|---|---|---|---|---|",
    ]
    for rule in rules:
        name = f"`{rule.rule_id}`" + (" (mandatory)" if rule.mandatory else "")
        dates = "; ".join(
            f"{d.applies_from.isoformat()}"
            + (f" to {d.applies_to.isoformat()}" if d.applies_to else "")
            + f" ({d.source}, {d.status.value})"
            for d in rule.dates
        )
        lines.append(
            f"| {rule.pack} | {name} | {_cell(rule.citation)} | {_cell(rule.summary_en)} "
            f"| {_cell(rule.summary_ja)} | {_cell(dates or '—')} |"
        )
    return "\n".join(lines) + "\n"
