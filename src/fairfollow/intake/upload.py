"""An employer's own upload of its applicant/offer list, as the employer's portal takes it.

The same intake core as ``fairfollow intake`` (:func:`fairfollow.intake.desk.intake_bytes`,
with the workspace's members, cookie sync and secret): the whole file refused with a clear
error, or its rows accepted and quarantined by line, column and rule, with the employer's
attestation kept as the APPI Art. 30 confirmation record. The attestation is checked before
anything is read, so an upload without one touches neither the store nor the ledger.

Only the employer's view of the report ever goes back (:meth:`IntakeReport.employer_view`):
the match and consent figures would tell the employer which applicants consented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from fairfollow.actor import Actor
from fairfollow.errors import InputError
from fairfollow.intake.desk import intake_bytes, workspace_inputs
from fairfollow.intake.report import IntakeReport
from fairfollow.law.purposes import PurposeKey
from fairfollow.ledger.transaction import Engine
from fairfollow.records.provision import Attestation
from fairfollow.workspace import Workspace

MAX_NAME = 200  # the longest file name kept in the records

# The attestation's fields (APPI Art. 30(1); PPC Rules Art. 22), in the order of the form.
ATTESTATION_FIELDS = (
    "provider_name",
    "provider_address",
    "representative",
    "obtained_how",
    "consent_statement",
)


@dataclass(frozen=True)
class Upload:
    """One list as the employer sent it: the bytes, its name, the season, the attestation."""

    employer: str
    season: int
    data: bytes
    file_name: str
    attestation: Attestation
    # Staff's intake of an ID-only list may add the contractor survey's links.
    survey_links: Mapping[str, str] = field(default_factory=dict)


def file_name_of(given: str | None) -> str:
    """The uploaded file's base name (a browser may send a path), bounded; never empty."""
    base = (given or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:MAX_NAME]
    return base or "upload.csv"


def take_upload(
    engine: Engine, workspace: Workspace, upload: Upload, *, at: datetime, actor: Actor,
    max_bytes: int,
) -> IntakeReport:  # fmt: skip
    """Check the attestation, then take the list in through the intake core."""
    missing = upload.attestation.missing()
    if missing:
        raise InputError("intake.attestation_missing", file=upload.file_name, missing=list(missing))
    if len(upload.data) > max_bytes:
        raise InputError(
            "intake.file_too_large", file=upload.file_name, size=len(upload.data), cap=max_bytes
        )
    inputs = workspace_inputs(
        workspace,
        upload.season,
        PurposeKey.EMPLOYER_FORECAST,
        upload.survey_links,
        max_bytes=max_bytes,
    )
    return intake_bytes(
        engine,
        upload.employer,
        upload.season,
        upload.data,
        upload.file_name,
        upload.attestation,
        inputs,
        at=at,
        actor=actor,
    )
