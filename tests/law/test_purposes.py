"""The purpose registry: which recipient class each purpose was stated for (issue 27)."""

from __future__ import annotations

import pytest

from fairfollow.law import purposes
from fairfollow.law.purposes import PurposeKey, RecipientClass
from fairfollow.season.policy_history import PURPOSES


def test_the_registry_agrees_with_the_purposes_members_are_shown() -> None:
    for shown in PURPOSES:
        stated = purposes.registered_recipient(shown.key)
        assert stated is not None and stated.value == purposes.recipient_class(
            shown.recipient_class
        )


@pytest.mark.parametrize(
    ("purpose", "recipient", "covered"),
    [
        (PurposeKey.EMPLOYER_FORECAST, "client_employer", True),
        (PurposeKey.EMPLOYER_FORECAST, "Client employer", True),
        (PurposeKey.STATISTICS, "client_employer", False),
        (PurposeKey.STATISTICS, "platform", True),
        (PurposeKey.AD_DELIVERY, "client_employer", False),
        (PurposeKey.EMPLOYER_FORECAST, "advertiser", False),
        ("made_up_purpose", "client_employer", False),
    ],
)
def test_a_purpose_covers_only_the_class_it_was_stated_for(
    purpose: str, recipient: str, covered: bool
) -> None:
    assert purposes.covers(purpose, recipient) is covered


def test_only_the_member_and_the_platform_are_inside() -> None:
    assert not purposes.outside(RecipientClass.PLATFORM)
    assert not purposes.outside(" Member ")
    for name in ("client_employer", "hiring partner", "employer", "advertiser"):
        assert purposes.outside(name)
