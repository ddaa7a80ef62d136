"""The model card: a Markdown page that says what the model is for and how well it works.

Written when a model is trained (held-out metrics and fairness from the training season)
and written again after each evaluation (current-season metrics against the truth, the
oracle and the fairness audit). Pure: returns text.
"""

from __future__ import annotations

from fairfollow.model.booster import ModelMetadata
from fairfollow.model.evaluation import EvaluationReport
from fairfollow.model.fairness import FairnessAudit
from fairfollow.model.metrics import ScoreMetrics

INTENDED_USE = (
    "Internal analysis by the platform's data team: per-offer acceptance probabilities that "
    "feed aggregate hiring-yield forecasts for a pool of an employer's offers "
    "(`pool_forecast`), released only through the release engine with consent checks, a "
    "minimum pool size and differential-privacy noise."
)
FORBIDDEN_USE = (
    "No individual probability, score, rank, level or list that singles out a job seeker "
    "leaves the platform, for any recipient, keyed by name, applicant ID, cookie or hash "
    "(MHLW guidance of 2019-09-06 under Employment Security Act Art. 5-5 and 51; APPI "
    "Art. 27(1) and Art. 31). No automated decision about a person is based on it "
    "(GDPR Art. 22). Sensitive attributes are never inputs."
)


def _f(value: float) -> str:
    return "–" if value != value else f"{value:.4f}"  # NaN renders as a dash


def _metrics_table(rows: list[tuple[str, ScoreMetrics]]) -> list[str]:
    lines = [
        "| scores | offers | observed rate | mean predicted | AUC | Brier | log loss | "
        "ECE (fixed) | ECE (adaptive) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rows:
        lines.append(
            f"| {name} | {m.count:,} | {_f(m.observed_rate)} | {_f(m.mean_predicted)} | "
            f"{_f(m.auc)} | {_f(m.brier)} | {_f(m.log_loss)} | {_f(m.ece)} | "
            f"{_f(m.ece_adaptive)} |"
        )
    return lines


def fairness_table(fairness: FairnessAudit) -> list[str]:
    """Markdown rows: one per group, with the attribute's four-fifths impact ratio."""
    lines = [
        "| attribute | group | offers | AUC | Brier | mean predicted | observed | flag rate | "
        "impact ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for attribute in fairness.attributes:
        if attribute.assessable:
            verdict = "passes" if attribute.passes_four_fifths else "FAILS"
            ratio = f"{attribute.impact_ratio:.3f} ({verdict} 4/5)"
        else:
            ratio = f"not assessable (fewer than two groups of {attribute.min_group}+ offers)"
        small = set(attribute.small_groups)
        for group in attribute.groups:
            lines.append(
                f"| {attribute.attribute} | {group.group}"
                f"{' (too few to count)' if group.group in small else ''} | "
                f"{group.count:,} | {_f(group.auc)} | "
                f"{_f(group.brier)} | {_f(group.mean_predicted)} | {_f(group.observed_rate)} | "
                f"{_f(group.flag_rate)} | {ratio} |"
            )
    return lines


def render(
    metadata: ModelMetadata,
    holdout_fairness: FairnessAudit | None = None,
    evaluation: EvaluationReport | None = None,
) -> str:
    """The card as Markdown."""
    params = metadata.params
    lines = [
        f"# Model card: {metadata.model_id}",
        "",
        "Offer-acceptance model: the probability that a member accepts a client employer's "
        "offer, from their behaviour on the platform before the forecast date.",
        "",
        "## Intended use",
        "",
        INTENDED_USE,
        "",
        "## Forbidden use",
        "",
        FORBIDDEN_USE,
        "",
        "## Training",
        "",
        f"- Season {metadata.season}, features as of {metadata.as_of}; "
        f"{metadata.train_rows:,} offers to fit, {metadata.calibration_rows:,} held out "
        f"(by member) for {metadata.calibration_method} calibration; "
        f"{metadata.without_outcome:,} offers without a reported outcome left out.",
        f"- LightGBM, seed {params.seed}: {params.n_estimators} trees, learning rate "
        f"{params.learning_rate}, {params.num_leaves} leaves, min {params.min_child_samples} "
        f"per leaf, row/column sampling {params.subsample}/{params.colsample_bytree}.",
        f"- Data fingerprint (SHA-256): `{metadata.data_fingerprint}`",
        f"- Pool intervals widen for shared errors: calibration rate SD "
        f"{metadata.widening.calibration_variance**0.5:.4f}, median employer rate SD "
        f"{metadata.widening.default_employer_variance**0.5:.4f} (see `backtest`).",
        f"- Features ({len(metadata.feature_names)}): "
        + ", ".join(f"`{n}`" for n in metadata.feature_names),
        "- Libraries: "
        + ", ".join(f"{k} {v}" for k, v in sorted(metadata.library_versions.items())),
        "",
        "## Metrics",
        "",
    ]
    rows = [
        (f"calibration set (held out from the booster), season {metadata.season}", metadata.holdout)
    ]
    if evaluation is not None:
        rows += [
            (f"model, season {evaluation.season}", evaluation.model),
            (f"oracle (true p), season {evaluation.season}", evaluation.oracle),
        ]
    lines += _metrics_table(rows)
    if evaluation is not None:
        lines += [
            "",
            f"Lift ratio (AUC − 0.5)/(oracle AUC − 0.5): **{evaluation.lift_ratio:.3f}**."
            + (
                " **Model AUC above the oracle's: leakage or a bug.**"
                if evaluation.model_above_oracle
                else ""
            ),
        ]
    audit = evaluation.fairness if evaluation is not None else holdout_fairness
    if audit is not None:
        where = (
            f"season {evaluation.season} (evaluation)"
            if evaluation is not None
            else f"season {metadata.season} (held out)"
        )
        lines += ["", f"## Fairness audit, {where}", ""]
        lines += [
            "Groups by gender, university tier and region (collected for this audit only). "
            "Flag rate: share with p below the internal flag threshold; impact ratio: the "
            "four-fifths rule (29 CFR 1607.4(D)) on flagged and unflagged rates.",
            "",
        ]
        lines += fairness_table(audit)
    return "\n".join(lines) + "\n"
