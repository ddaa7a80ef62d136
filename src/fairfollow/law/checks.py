"""The checks behind the rule packs: one pure function per legal rule (see rule_packs).

Each check reads a :class:`~fairfollow.law.rules.RuleContext` and returns a
:class:`~fairfollow.law.rules.Finding`. A check that needs a DPIA answer the service has not
given returns a gap; one that finds the rule broken returns a denial naming what broke it.
Checks that only apply to some services say so in an ``allow`` note.
"""

from __future__ import annotations

import functools

from fairfollow.law import dpia, purposes
from fairfollow.law.prohibited import ProhibitedHit
from fairfollow.law.prohibited import match_column as _match_column
from fairfollow.law.rules import (
    Finding,
    Granularity,
    PurposeFacts,
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
    """Allow on a yes, deny with note ``what`` (a code) on a no, gap when unanswered."""
    answer = service.answer(question)
    if answer is None:
        return gap("law.note.dpia_unanswered", question=question)
    return allow() if answer else deny(what, question=question)


NO_SERVICE = gap("law.note.no_service")


# --- jp -------------------------------------------------------------------------------


def purpose_specified(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if not service.purposes:
        return gap("law.note.no_purpose")
    for p in service.purposes:
        for name in ("analysis", "output", "recipient_class"):
            if not getattr(p, name).strip():
                return deny("law.note.purpose_field_missing", purpose=p.key, field=name)
        text = f"{p.description_en} {p.description_ja}".lower()
        if len(p.description_en.strip()) < MIN_PURPOSE_TEXT or not p.description_ja.strip():
            return deny("law.note.purpose_too_short", purpose=p.key)
        vague = [phrase for phrase in VAGUE_PHRASES if phrase.lower() in text]
        if vague:
            return deny("law.note.purpose_vague", purpose=p.key, wording=vague[0])
    if service.recipient_class not in {p.recipient_class for p in service.purposes}:
        return deny("law.note.recipient_not_foreseen", recipient_class=service.recipient_class)
    return _answered(service, dpia.PURPOSE_FORESEEABLE, "law.note.use_not_foreseeable")


def use_limitation(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    release = ctx.release
    if release is None:
        return _answered(service, dpia.CONSENT_PER_SUBJECT, "law.note.read_without_consent")
    if release.purpose_key not in {p.key for p in service.purposes}:
        return deny("law.note.purpose_not_of_service", purpose=release.purpose_key)
    if not release.recipient_named:
        return deny("law.note.recipient_not_named", recipient=release.recipient)
    if release.unconsented_subjects_used:
        return deny("law.note.unconsented_subjects_read", count=release.unconsented_subjects_used)
    return allow()


def third_party_consent(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if not _third_party(ctx):
        return allow("law.note.not_third_party")
    release = ctx.release
    if release is None:
        return _answered(service, dpia.CONSENT_PER_SUBJECT, "law.note.consent_not_per_subject")
    if not release.consent_evaluated:
        return deny("law.note.consent_not_evaluated")
    if release.unconsented_subjects_used:
        return deny("law.note.unconsented_subjects", count=release.unconsented_subjects_used)
    return allow()


def entrustee_combination(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if EMPLOYER_LIST not in service.data_in or not service.data_in & PLATFORM_BEHAVIOUR:
        return allow("law.note.lists_not_combined")
    release = ctx.release
    if release is None:
        first = _answered(service, dpia.COMBINATION_CONSENT, "law.note.combined_without_consent")
        if first.outcome.value != "allow":
            return first
        return _answered(service, dpia.CLIENTS_SEPARATED, "law.note.clients_mixed")
    if not release.combination_consent_evaluated:
        return deny("law.note.combination_unchecked")
    if release.clients_mixed:
        return deny("law.note.clients_combined")
    return allow()


def provision_record(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    if not _third_party(ctx):
        return allow("law.note.not_third_party")
    if ctx.release is None:
        return allow("law.note.record_with_release")
    if not ctx.release.provision_record:
        return deny("law.note.no_provision_record")
    return allow()


def recipient_confirmation(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if EMPLOYER_LIST not in service.data_in:
        return allow("law.note.no_employer_data")
    if ctx.release is None:
        return _answered(service, dpia.EMPLOYER_ATTESTATION, "law.note.uploads_unconfirmed")
    if not ctx.release.attestation_recorded:
        return deny("law.note.no_confirmation_record")
    return allow()


def personally_referable(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    keys = ctx.output_keys
    if _third_party(ctx) and keys:
        return deny("law.note.output_keyed", keys=sorted(keys))
    return allow()


def disclosure_of_records(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if not _third_party(ctx):
        return allow("law.note.not_third_party")
    if ctx.release is not None and not ctx.release.provision_record:
        return deny("law.note.no_member_record")
    return _answered(service, dpia.MEMBER_VIEW, "law.note.records_hidden")


def stop_use_erasure(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if service.retention_days is None:
        return gap("law.note.no_retention")
    if not 0 < service.retention_days <= MAX_RETENTION_DAYS:
        return deny("law.note.retention_too_long", days=service.retention_days)
    return _answered(service, dpia.ERASURE_PROCEDURE, "law.note.erasure_not_honoured")


def pseudonymised_internal(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    if PSEUDONYMISED in ctx.service.data_out and _third_party(ctx):
        return deny("law.note.pseudonymised_provided")
    return allow()


def leak_report(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    return _answered(ctx.service, dpia.INCIDENT_RESPONSE, "law.note.no_leak_procedure")


def necessity(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if service.data_in and not service.necessity:
        return gap("law.note.no_necessity")
    missing = sorted(c for c in service.data_in if not service.necessity.get(c, "").strip())
    if missing:
        return deny("law.note.not_needed", categories=missing)
    return allow()


def _barred(ctx: RuleContext, law: str) -> Finding:
    for category in sorted(ctx.data_categories):
        hit = match_column(category)
        if hit is not None and law in hit.item.law:
            return deny("law.note.barred_category", category=category, item=hit.item.rule_id)
    return allow()


def prohibited_items(ctx: RuleContext) -> Finding:
    return NO_SERVICE if ctx.service is None else _barred(ctx, "ESA")


def special_care(ctx: RuleContext) -> Finding:
    return NO_SERVICE if ctx.service is None else _barred(ctx, "APPI")


def _purpose_for(key: str, recipient: str) -> Finding:
    """Deny unless the registry states ``key`` for recipients of this class."""
    if purposes.covers(key, recipient):
        return allow()
    stated = purposes.registered_recipient(key)
    if stated is None:
        return deny("law.note.purpose_unregistered", purpose=key, recipient_class=recipient)
    return deny(
        "law.note.purpose_not_for_recipient",
        purpose=key,
        recipient_class=recipient,
        stated=stated.value,
    )


def purposes_bound(declared: tuple[PurposeFacts, ...]) -> Finding:
    """A declaration may not state a purpose for an outside recipient the purpose was not
    stated for (``statistics`` is the platform's; writing ``client_employer`` next to it
    does not make members' consent to it cover an employer). Checked at registration."""
    for p in declared:
        if purposes.outside(p.recipient_class):
            found = _purpose_for(p.key, p.recipient_class)
            if found.outcome.value != "allow":
                return found
    return allow()


def declared_purposes_bound(ctx: RuleContext) -> Finding:
    return NO_SERVICE if ctx.service is None else purposes_bound(ctx.service.purposes)


def purpose_binds_recipient(ctx: RuleContext) -> Finding:
    """A provision outside the platform relies only on a purpose the registry states for
    that recipient (mandatory: the committee cannot decide otherwise)."""
    service = ctx.service
    if service is None:
        return NO_SERVICE
    declared = purposes_bound(service.purposes)
    if declared.outcome.value != "allow":
        return declared
    release = ctx.release
    if release is not None:
        if not purposes.outside(release.recipient_class):
            return allow("law.note.not_third_party")
        return _purpose_for(release.purpose_key, release.recipient_class)
    if not purposes.outside(service.recipient_class):
        return allow("law.note.not_third_party")
    if not any(purposes.covers(p.key, service.recipient_class) for p in service.purposes):
        return deny("law.note.no_purpose_for_recipient", recipient_class=service.recipient_class)
    return allow()


def no_individual_evaluation(ctx: RuleContext) -> Finding:
    # Reads the request itself when there is one: it holds whatever the configuration says.
    if ctx.recipient_class is None:
        return NO_SERVICE
    if not _employer(ctx):
        return allow("law.note.not_employer")
    if ctx.granularity is Granularity.INDIVIDUAL:
        return deny("law.note.individual_output")
    if ctx.derived_evaluation:
        return deny("law.note.derived_evaluation")
    if ctx.output_keys:
        return deny("law.note.output_keyed_to_employer")
    return allow()


# --- eu -------------------------------------------------------------------------------


def lawful_basis(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if service.legal_basis is None:
        return gap("law.note.no_legal_basis")
    if service.legal_basis not in LEGAL_BASES:
        return deny("law.note.unknown_legal_basis", basis=service.legal_basis)
    if service.legal_basis == "consent":
        if ctx.release is not None and not ctx.release.consent_evaluated:
            return deny("law.note.consent_basis_unevaluated")
        return _answered(service, dpia.CONSENT_PER_SUBJECT, "law.note.consent_not_checked")
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
            return deny("law.note.special_category", category=category)
    return allow()


def automated_decision(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if ctx.granularity is not Granularity.INDIVIDUAL or not ctx.derived_evaluation:
        return allow("law.note.no_personal_decision")
    return _answered(service, dpia.HUMAN_REVIEW, "law.note.solely_automated")


def ai_act_high_risk(ctx: RuleContext) -> Finding:
    service = ctx.service
    if service is None:
        return NO_SERVICE
    if not service.uses_model or not _employer(ctx):
        return allow("law.note.no_recruitment_ai")
    return _answered(service, dpia.AI_RISK_MANAGEMENT, "law.note.high_risk_undocumented")
