"""The rollout matrix's periods: when a screen displayed which version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fairfollow.consent.policy import Deployment
from fairfollow.consent.rollout import Stint, stints

T = datetime(2019, 3, 1, tzinfo=UTC)


def test_stints_follow_the_deploy_log_up_to_the_instant() -> None:
    log = [
        Deployment(1, "pc", "v1", T),
        Deployment(2, "pc", "v2", T + timedelta(days=10)),
        Deployment(3, "pc", None, T + timedelta(days=20)),  # taken down
        Deployment(4, "pc", "v2", T + timedelta(days=30)),
        Deployment(5, "sp", "v1", T),
    ]
    assert stints(log, "pc", T + timedelta(days=40)) == (
        Stint("v1", T, T + timedelta(days=10)),
        Stint("v2", T + timedelta(days=10), T + timedelta(days=20)),
        Stint("v2", T + timedelta(days=30), None),
    )
    assert stints(log, "pc", T + timedelta(days=15))[-1] == Stint(
        "v2", T + timedelta(days=10), None
    )


def test_a_redeploy_of_the_same_version_is_one_stint() -> None:
    log = [Deployment(1, "pc", "v1", T), Deployment(2, "pc", "v1", T + timedelta(days=1))]
    assert stints(log, "pc", T + timedelta(days=2)) == (Stint("v1", T, None),)
