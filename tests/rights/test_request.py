from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fairfollow.errors import InputError
from fairfollow.rights.request import (
    KINDS,
    IdentityCheck,
    IdentityMethod,
    LegalBasis,
    RightKind,
    due_at,
)
from tests.actors import as_actor

RECEIVED = datetime(2019, 1, 31, 3, 0, tzinfo=UTC)  # 12:00 JST


def test_every_kind_cites_both_laws_and_has_labels() -> None:
    assert {k.kind for k in KINDS} == set(RightKind)
    for kind in KINDS:
        assert kind.appi and kind.gdpr.startswith("GDPR Art.") and kind.label_ja and kind.effect


def test_due_dates_follow_the_law_unless_configured() -> None:
    appi = due_at(RightKind.ERASURE, LegalBasis.APPI, RECEIVED, {})
    assert (appi - RECEIVED).days == 14
    gdpr = due_at(RightKind.DISCLOSURE, LegalBasis.GDPR, RECEIVED, {})
    assert gdpr == datetime(2019, 2, 28, 3, 0, tzinfo=UTC)  # one month, clamped to February
    assert (
        due_at(RightKind.ERASURE, LegalBasis.GDPR, RECEIVED, {"erasure": 5}) - RECEIVED
    ).days == 5


def test_an_identity_check_needs_who_and_what() -> None:
    with pytest.raises(InputError, match=r"rights\.identity_check_incomplete"):
        IdentityCheck(IdentityMethod.OPERATOR_VERIFIED, as_actor("ops"), " ")
