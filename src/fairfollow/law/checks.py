"""The checks behind the rule packs: one pure function per legal rule (see rule_packs).

Each check reads a :class:`~fairfollow.law.rules.RuleContext` and returns a
:class:`~fairfollow.law.rules.Finding`. A check that needs a DPIA answer the service has not
given returns a gap; one that finds the rule broken returns a denial naming what broke it.
Checks that only apply to some services say so in an ``allow`` note.
"""

from __future__ import annotations

import functools

from fairfollow.law import dpia
from fairfollow.law.prohibited import ProhibitedHit
from fairfollow.law.prohibited import match_column as _match_column
from fairfollow.law.rules import (
    Finding,
    Granularity,
    RuleContext,
    ServiceFacts,
    allow,
    deny,
    gap,
)

# Recipient classes are free text in a declaration, so every check fails closed: only the
# platform itself and the member are internal, and only a known non-employer class escapes
# the employer rules. A "hiring partner" or a misspelt "employer" is an employer.
INTERNAL_CLASSES = frozenset({"member", "platform"})
NON_EMPLOYER_THIRD_PARTIES = frozenset({"advertiser"})
EMPLOYER_LIST = "employer_applicant_list"
PLATFORM_BEHAVIOUR = frozenset({"browsing_history", "partner_browsing", "entry_history"})
PSEUDONYMISED = "pseudonymised_information"
LEGAL_BASES = frozenset(
    {
        "consent",
        "contract",
        "legal_obligation",
        "vital_interests",
        "public_task",
        "legitimate_interests",
    }
)
# The platform's ceiling: a yearly hiring forecast needs no data older than three seasons.
MAX_RETENTION_DAYS = 3 * 365
MIN_PURPOSE_TEXT = 40
VAGUE_PHRASES = (
    "business purposes",
    "for our business",
    "service improvement",
    "improve our services",
    "various purposes",
    "other purposes",
    "etc.",
    "その他の目的",
    "当社の事業",
    "サービス向上",
    "各種",
)
# GDPR Art. 9(1) categories, as prohibited-item ids plus words the jp lists do not hold.
EU_ART9_ITEMS = frozenset(
    {"race", "ethnicity", "creed", "religion", "union_membership", "medical_history", "disability"}
)
EU_ART9_TOKENS = ("health", "biometric", "genetic", "sexual_orientation", "sex_life")


@functools.lru_cache(maxsize=1024)
def match_column(category: str) -> ProhibitedHit | None:
    """The prohibited item a data category names (cached: the same few names recur)."""
    return _match_column(category)


def _third_party(ctx: RuleContext) -> bool:
    return ctx.recipient_class not in INTERNAL_CLASSES


def _employer(ctx: RuleContext) -> bool:
    return _third_party(ctx) and ctx.recipient_class not in NON_EMPLOYER_THIRD_PARTIES


def _answered(service: ServiceFacts, question: str, what: str) -> Finding:
    answer = service.answer(question)
    if answer is None:
        return gap(f"DPIA question {question!r} is unanswered")
    return allow() if answer else deny(f"DPIA answer {question!r} is no: {what}")


NO_SERVICE = gap("no data service is configured")


# --- jp -------------------------------------------------------------------------------


def purpose_specified(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if not service.purposes:
        return gap("the service declares no purpose")
    for p in service.purposes:
        for name in ("analysis", "output", "recipient_class"):
            if not getattr(p, name).strip():
                return deny(f"purpose {p.key}: {name} is not stated")
        text = f"{p.description_en} {p.description_ja}".lower()
        if len(p.description_en.strip()) < MIN_PURPOSE_TEXT or not p.description_ja.strip():
            return deny(f"purpose {p.key}: description too short to foresee the use")
        vague = [phrase for phrase in VAGUE_PHRASES if phrase.lower() in text]
        if vague:
            return deny(f"purpose {p.key}: vague wording {vague[0]!r}")
    if service.recipient_class not in {p.recipient_class for p in service.purposes}:
        return deny(f"no purpose tells members that {service.recipient_class} receives output")
    return _answered(service, dpia.PURPOSE_FORESEEABLE, "members cannot foresee the use")


def use_limitation(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    release = ctx.release
    if release is None:
        return _answered(service, dpia.CONSENT_PER_SUBJECT, "data may be read without consent")
    if release.purpose_key not in {p.key for p in service.purposes}:
        return deny(f"purpose {release.purpose_key!r} is not a purpose of the service")
    if not release.recipient_named:
        return deny(f"{release.recipient} is not a named recipient of the service")
    if release.unconsented_subjects_used:
        return deny(f"{release.unconsented_subjects_used} subjects' data read without consent")
    return allow()


def third_party_consent(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if not _third_party(ctx):
        return allow("not a provision to a third party")
    release = ctx.release
    if release is None:
        return _answered(service, dpia.CONSENT_PER_SUBJECT, "consent is not checked per subject")
    if not release.consent_evaluated:
        return deny("consent was not evaluated for every subject")
    if release.unconsented_subjects_used:
        return deny(f"{release.unconsented_subjects_used} subjects lack consent")
    return allow()


def entrustee_combination(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if EMPLOYER_LIST not in service.data_in or not service.data_in & PLATFORM_BEHAVIOUR:
        return allow("employer lists are not combined with the platform's data")
    release = ctx.release
    if release is None:
        first = _answered(service, dpia.COMBINATION_CONSENT, "lists combined without consent")
        if first.outcome.value != "allow":
            return first
        return _answered(service, dpia.CLIENTS_SEPARATED, "clients' data are mixed")
    if not release.combination_consent_evaluated:
        return deny("the list was combined without checking consent for the combination")
    if release.clients_mixed:
        return deny("one client's data was combined with another's")
    return allow()


def provision_record(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    if not _third_party(ctx):
        return allow("not a provision to a third party")
    if ctx.release is None:
        return allow("the release door writes the record with each release")
    if not ctx.release.provision_record:
        return deny("no provision record would be written")
    return allow()


def recipient_confirmation(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if EMPLOYER_LIST not in service.data_in:
        return allow("the service receives no employer data")
    if ctx.release is None:
        return _answered(service, dpia.EMPLOYER_ATTESTATION, "uploads are not confirmed")
    if not ctx.release.attestation_recorded:
        return deny("the employer's list has no confirmation record")
    return allow()


def personally_referable(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    keys = ctx.output_keys
    if _third_party(ctx) and keys:
        return deny(f"output keyed by {', '.join(sorted(keys))} goes to a recipient")
    return allow()


def disclosure_of_records(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if not _third_party(ctx):
        return allow("not a provision to a third party")
    if ctx.release is not None and not ctx.release.provision_record:
        return deny("no per-member provision record would be written")
    return _answered(service, dpia.MEMBER_VIEW, "members cannot see the records")


def stop_use_erasure(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if service.retention_days is None:
        return gap("no retention period declared")
    if not 0 < service.retention_days <= MAX_RETENTION_DAYS:
        return deny(f"retention of {service.retention_days} days is beyond what is needed")
    return _answered(service, dpia.ERASURE_PROCEDURE, "stop-use and erasure are not honoured")


def pseudonymised_internal(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    if PSEUDONYMISED in ctx.service.data_out and _third_party(ctx):
        return deny("pseudonymised information would be provided to a third party")
    return allow()


def leak_report(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    return _answered(ctx.service, dpia.INCIDENT_RESPONSE, "no leak-response procedure")


def necessity(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if service.data_in and not service.necessity:
        return gap("no data category says why it is needed")
    missing = sorted(c for c in service.data_in if not service.necessity.get(c, "").strip())
    if missing:
        return deny(f"not shown to be needed: {', '.join(missing)}")
    return allow()


def _barred(ctx: RuleContext, law: str) -> Finding:
    for category in sorted(ctx.data_categories):
        hit = match_column(category)
        if hit is not None and law in hit.item.law:
            return deny(f"data category {category!r} is {hit.item.summary_en.lower()}")
    return allow()


def prohibited_items(ctx: RuleContext) -> Finding:
    return NO_SERVICE if ctx.service is None else _barred(ctx, "ESA")


def special_care(ctx: RuleContext) -> Finding:
    return NO_SERVICE if ctx.service is None else _barred(ctx, "APPI")


def no_individual_evaluation(ctx: RuleContext) -> Finding:
    # Reads the request itself when there is one: it holds whatever the configuration says.
    if ctx.recipient_class is None:
        return NO_SERVICE
    if not _employer(ctx):
        return allow("the recipient is not an employer")
    if ctx.granularity is Granularity.INDIVIDUAL:
        return deny("output about individual job seekers would go to an employer")
    if ctx.derived_evaluation:
        return deny("a derived evaluation of job seekers would go to an employer")
    if ctx.output_keys:
        return deny("output keyed by a person's identifier would go to an employer")
    return allow()


# --- eu -------------------------------------------------------------------------------


def lawful_basis(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if service.legal_basis is None:
        return gap("no legal basis declared")
    if service.legal_basis not in LEGAL_BASES:
        return deny(f"{service.legal_basis!r} is not a basis of GDPR Art. 6(1)")
    if service.legal_basis == "consent":
        if ctx.release is not None and not ctx.release.consent_evaluated:
            return deny("consent is the basis but was not evaluated")
        return _answered(service, dpia.CONSENT_PER_SUBJECT, "consent is not checked")
    return allow()


def special_categories(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    for category in sorted(ctx.data_categories):
        hit = match_column(category)
        tokens = category.lower()
        if (hit is not None and hit.item.rule_id in EU_ART9_ITEMS) or any(
            token in tokens for token in EU_ART9_TOKENS
        ):
            return deny(f"data category {category!r} is a special category")
    return allow()


def automated_decision(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if ctx.granularity is not Granularity.INDIVIDUAL or not ctx.derived_evaluation:
        return allow("no decision about a person is made")
    return _answered(service, dpia.HUMAN_REVIEW, "decisions rest solely on automated scoring")


def ai_act_high_risk(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if not service.uses_model or not _employer(ctx):
        return allow("no AI system used for recruitment")
    return _answered(service, dpia.AI_RISK_MANAGEMENT, "high-risk obligations undocumented")
