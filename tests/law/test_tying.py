"""The no-tying rule: only purposes the job-site service needs may be a condition of
registering; every employer-facing or unknown purpose is tied, with its citations."""

from __future__ import annotations

import pytest

from fairfollow.law.tying import TiedPurpose, citation_text, necessary, tied


@pytest.mark.parametrize(
    ("recipient", "term", "needed"),
    [
        ("platform", "dpv:ServiceRegistration", True),
        ("member", "dpv:AccountManagement", True),
        ("client_employer", "dpv:ServiceProvision", False),  # service-like, but for employers
        ("platform", "dpv:Advertising", False),
        ("hiring partner", "dpv:RecruitmentManagement", False),
        ("Platform ", "dpv:ServiceProvision", True),
        ("", "dpv:ServiceProvision", False),
    ],
)
def test_only_the_service_itself_is_necessary(recipient: str, term: str, needed: bool) -> None:
    assert necessary(recipient, term) is needed


def test_tied_lists_the_unnecessary_purposes_with_their_screens() -> None:
    found = tied(
        [
            TiedPurpose("account", "platform", "dpv:AccountManagement"),
            TiedPurpose("employer_forecast", "client_employer", "dpv:PersonnelHiring", "reg-web"),
            TiedPurpose("ad_delivery", "advertiser", "dpv:Advertising"),
        ]
    )
    assert [(p.purpose_key, p.screen_id) for p in found] == [
        ("ad_delivery", None),
        ("employer_forecast", "reg-web"),
    ]
    assert "ESA Art. 5-5(1)" in citation_text() and "GDPR Art. 7(4)" in citation_text()
    assert "2019-09-06" in citation_text()
