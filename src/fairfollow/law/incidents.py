"""Leak incidents: which reports the law requires, and when they are due (pure).

APPI Art. 26 and the PPC Rules Art. 7–10 make a leak (or loss, damage) reportable to the
Personal Information Protection Commission when one of four situations of Rule 7 holds:

* (i)   special-care-required personal information is involved;
* (ii)  misuse may cause financial loss (card numbers, bank log-ins);
* (iii) the leak may come from an act with an unlawful purpose (unauthorised access) — since
  2024-04-01 this also covers personal information the business *is acquiring* and means to
  keep as personal data (a skimmed web form: "web skimming");
* (iv)  more than 1,000 persons are concerned ("千人を超える": 1,000 is not enough, 1,001 is).

Highly encrypted data are excluded by Rule 7 itself, and pseudonymised information by APPI
Art. 41(9). EU data subjects bring GDPR Art. 33 (the supervisory authority within 72 hours)
and Art. 34 (the persons, where the risk is high; excluded for encrypted data, 34(3)(a)).

The clocks run in JST, where the law counts days:

* preliminary report (Rule 8(1), "速やかに"): the PPC's guidelines read promptly as about
  3–5 days from discovery. FairFollow uses **3 days from the instant of discovery**: the
  lower end of the range, because 5 days is the outer limit the guidelines tolerate, not a
  target, and a due list that warns at the ceiling warns too late.
* final report (Rule 8(2)): within 30 days — 60 days in the (iii) case — counted in
  calendar days with the day of discovery as day 1 (the PPC's guidelines), so it is due by
  the end (JST) of discovery day + 29 (+ 59). Weekends and holidays count: no provision
  excludes them, so none is skipped.
* notifying the persons (Art. 26(2), "速やかに"): no figure in the law; the platform's own
  target is the preliminary report's instant.
* GDPR Art. 33: 72 hours from awareness, as an instant (hours, not days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from fairfollow.errors import InputError
from fairfollow.instants import JST, utc
from fairfollow.law.citation import Citation

PPC_RULES = "PPC Rules"
PERSONS_THRESHOLD = 1_000  # reportable when MORE than this many persons are concerned
ACQUISITION_FROM = date(2024, 4, 1)  # the amended Rule 7(iii): information being acquired
PRELIMINARY_DAYS = 3  # the lower end of the PPC guidelines' "about 3–5 days"
FINAL_DAYS = 30
FINAL_DAYS_UNLAWFUL = 60
GDPR_HOURS = 72


class Trigger(StrEnum):
    """The situations of PPC Rules Art. 7 that make a leak reportable."""

    SPECIAL_CARE = "special_care"  # item (i)
    FINANCIAL_LOSS = "financial_loss"  # item (ii)
    UNLAWFUL_PURPOSE = "unlawful_purpose"  # item (iii)
    ACQUISITION = "acquisition"  # item (iii) as amended from 2024-04-01 (web skimming)
    OVER_THOUSAND = "over_thousand"  # item (iv)


class Exemption(StrEnum):
    ENCRYPTED = "encrypted"  # Rule 7 (i): high-level encryption or equivalent protection
    PSEUDONYMISED = "pseudonymised"  # APPI Art. 41(9): Art. 26 does not apply


class Duty(StrEnum):
    """A report or notice the incident may require."""

    PPC_PRELIMINARY = "ppc_preliminary"
    PPC_FINAL = "ppc_final"
    PERSONS = "persons"
    GDPR_AUTHORITY = "gdpr_authority"
    GDPR_PERSONS = "gdpr_persons"


TRIGGER_CITATIONS: dict[Trigger, Citation] = {
    Trigger.SPECIAL_CARE: Citation(PPC_RULES, "7", "(i)"),
    Trigger.FINANCIAL_LOSS: Citation(PPC_RULES, "7", "(ii)"),
    Trigger.UNLAWFUL_PURPOSE: Citation(PPC_RULES, "7", "(iii)"),
    Trigger.ACQUISITION: Citation(PPC_RULES, "7", "(iii)"),
    Trigger.OVER_THOUSAND: Citation(PPC_RULES, "7", "(iv)"),
}
EXEMPTION_CITATIONS: dict[Exemption, Citation] = {
    Exemption.ENCRYPTED: Citation(PPC_RULES, "7", "(i)"),
    Exemption.PSEUDONYMISED: Citation("APPI", "41", "9"),
}
DUTY_CITATIONS: dict[Duty, Citation] = {
    Duty.PPC_PRELIMINARY: Citation(PPC_RULES, "8", "1"),
    Duty.PPC_FINAL: Citation(PPC_RULES, "8", "2"),
    Duty.PERSONS: Citation("APPI", "26", "2"),
    Duty.GDPR_AUTHORITY: Citation("GDPR", "33", "1"),
    Duty.GDPR_PERSONS: Citation("GDPR", "34", "1"),
}


@dataclass(frozen=True)
class IncidentFacts:
    """What the privacy officer records about a leak (loss, damage) when it is discovered."""

    discovered_at: datetime
    persons: int
    categories: tuple[str, ...]
    special_care: bool = False
    financial_loss: bool = False
    unlawful_purpose: bool = False
    acquisition: bool = False  # information being acquired (a web form), not yet stored
    encrypted: bool = False
    pseudonymised: bool = False
    eu_persons: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "discovered_at", utc(self.discovered_at))
        if self.persons < 0 or self.eu_persons < 0 or self.eu_persons > self.persons:
            raise InputError(
                "law.incident_persons_invalid", persons=self.persons, eu_persons=self.eu_persons
            )

    @property
    def discovered_on(self) -> date:
        """The day of discovery as the law counts it: the JST calendar day."""
        return self.discovered_at.astimezone(JST).date()


@dataclass(frozen=True)
class DutyDue:
    """One duty the incident carries: required or not, and by when."""

    duty: Duty
    required: bool
    due_at: datetime | None  # the last instant (UTC) the duty is on time
    citation: Citation

    def overdue(self, now: datetime, done_at: datetime | None = None) -> bool:
        if not self.required or self.due_at is None:
            return False
        return (utc(done_at) if done_at is not None else utc(now)) > self.due_at


@dataclass(frozen=True)
class Assessment:
    """The triggers that fired, the exemptions that apply, and every duty with its due time."""

    triggers: tuple[Trigger, ...]
    exemptions: tuple[Exemption, ...]
    duties: tuple[DutyDue, ...]

    @property
    def reportable(self) -> bool:
        return bool(self.triggers) and not self.exemptions

    def duty(self, duty: Duty) -> DutyDue:
        return next(d for d in self.duties if d.duty is duty)

    @property
    def citations(self) -> tuple[Citation, ...]:
        found = [TRIGGER_CITATIONS[t] for t in self.triggers]
        found += [EXEMPTION_CITATIONS[e] for e in self.exemptions]
        return tuple(dict.fromkeys(found))


def triggers(facts: IncidentFacts) -> tuple[Trigger, ...]:
    """The Rule 7 situations the facts meet (before exemptions)."""
    found: list[Trigger] = []
    if facts.acquisition:
        # Information being acquired was outside Rule 7 until the 2024 amendment, and even
        # now only under item (iii): an unlawful act (skimming), not an accident.
        if facts.unlawful_purpose and facts.discovered_on >= ACQUISITION_FROM:
            found.append(Trigger.ACQUISITION)
        return tuple(found)
    if facts.special_care:
        found.append(Trigger.SPECIAL_CARE)
    if facts.financial_loss:
        found.append(Trigger.FINANCIAL_LOSS)
    if facts.unlawful_purpose:
        found.append(Trigger.UNLAWFUL_PURPOSE)
    if facts.persons > PERSONS_THRESHOLD:
        found.append(Trigger.OVER_THOUSAND)
    return tuple(found)


def exemptions(facts: IncidentFacts) -> tuple[Exemption, ...]:
    found = []
    if facts.encrypted:
        found.append(Exemption.ENCRYPTED)
    if facts.pseudonymised:
        found.append(Exemption.PSEUDONYMISED)
    return tuple(found)


def end_of_day(day: date) -> datetime:
    """The last instant of a JST calendar day, in UTC."""
    return utc(datetime.combine(day + timedelta(days=1), time(), JST) - timedelta(seconds=1))


def final_due(facts: IncidentFacts, fired: tuple[Trigger, ...]) -> datetime:
    """Day of discovery is day 1: 30 days (60 in the unlawful-purpose case) end on day 30."""
    unlawful = Trigger.UNLAWFUL_PURPOSE in fired or Trigger.ACQUISITION in fired
    days = FINAL_DAYS_UNLAWFUL if unlawful else FINAL_DAYS
    return end_of_day(facts.discovered_on + timedelta(days=days - 1))


def assess(facts: IncidentFacts) -> Assessment:
    """Triggers, exemptions and the clock of every duty."""
    fired = triggers(facts)
    exempt = exemptions(facts)
    reportable = bool(fired) and not exempt
    prompt = facts.discovered_at + timedelta(days=PRELIMINARY_DAYS)
    # Pseudonymised data are still personal data under the GDPR (Recital 26): no exemption.
    eu = facts.eu_persons > 0
    # Art. 34: high risk read as the Rule 7 situations other than the head count; encrypted
    # data are exempt (34(3)(a)). Art. 33 has no encryption exemption: fail closed.
    high_risk = bool(set(fired) - {Trigger.OVER_THOUSAND})
    gdpr_due = facts.discovered_at + timedelta(hours=GDPR_HOURS)
    due = (
        (Duty.PPC_PRELIMINARY, reportable, prompt),
        (Duty.PPC_FINAL, reportable, final_due(facts, fired)),
        (Duty.PERSONS, reportable, prompt),
        (Duty.GDPR_AUTHORITY, eu, gdpr_due),
        (Duty.GDPR_PERSONS, eu and high_risk and not facts.encrypted, gdpr_due),
    )
    duties = tuple(
        DutyDue(duty, required, at if required else None, DUTY_CITATIONS[duty])
        for duty, required, at in due
    )
    return Assessment(fired, exempt, duties)


def render_markdown() -> str:
    """The triggers and clocks as a table (docs/governance.md is generated from it)."""
    lines = ["| situation | citation | from |", "|---|---|---|"]
    starts = {Trigger.ACQUISITION: ACQUISITION_FROM.isoformat()}
    for trigger, cited in TRIGGER_CITATIONS.items():
        lines.append(f"| `{trigger.value}` | {cited} | {starts.get(trigger, '2022-04-01')} |")
    for exemption, cited in EXEMPTION_CITATIONS.items():
        lines.append(f"| exempt: `{exemption.value}` | {cited} | 2022-04-01 |")
    lines += ["", "| duty | citation | due |", "|---|---|---|"]
    due = {
        Duty.PPC_PRELIMINARY: f"{PRELIMINARY_DAYS} days from the instant of discovery",
        Duty.PPC_FINAL: f"end (JST) of day {FINAL_DAYS} ({FINAL_DAYS_UNLAWFUL} for an unlawful "
        "purpose), the day of discovery being day 1; holidays count",
        Duty.PERSONS: "promptly: the platform's target is the preliminary report's",
        Duty.GDPR_AUTHORITY: f"{GDPR_HOURS} hours from awareness (EU members concerned)",
        Duty.GDPR_PERSONS: f"without undue delay where the risk is high (target {GDPR_HOURS} h)",
    }
    for duty, cited in DUTY_CITATIONS.items():
        lines.append(f"| `{duty.value}` | {cited} | {due[duty]} |")
    return "\n".join(lines) + "\n"
