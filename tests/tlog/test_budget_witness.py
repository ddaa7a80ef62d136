"""The budget witness replays the public leaves and refuses the first that breaks a budget."""

from __future__ import annotations

import pytest

from fairfollow.canonical_json import JsonValue
from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.budget_witness import BudgetRules, vet_leaves
from fairfollow.tlog.record import LogRecord, encode_leaf

RULES = BudgetRules(default_cap=4.0, member_cap=3.0)


def leaf(kind: str, body: dict[str, JsonValue]) -> LogRecord:
    return LogRecord(kind, "ref", body)


def approved(service: str = "svc", version: int = 1) -> LogRecord:
    return leaf("service.approved", {"service": service, "version": version})


def release(
    epsilon: float, employer: str = "emp-a", root: str = "r1", **extra: JsonValue
) -> LogRecord:
    body: dict[str, JsonValue] = {
        "employer": employer, "service": "svc", "service_version": 1, "season": 2020,
        "epsilon": epsilon, "members": {"v": 1, "salt": "00", "root": root, "size": 8},
    }  # fmt: skip
    body.update(extra)
    return leaf("release", body)


def cap(epsilon: float, employer: str = "emp-a") -> LogRecord:
    return leaf("budget-cap", {"employer": employer, "season": 2020, "epsilon_cap": epsilon})


def vet(*records: LogRecord) -> int:
    return vet_leaves([encode_leaf(r, i) for i, r in enumerate(records)], RULES)


def refused(*records: LogRecord) -> TransparencyLogError:
    with pytest.raises(TransparencyLogError) as caught:
        vet(*records)
    return caught.value


def test_releases_within_every_cap_pass() -> None:
    assert vet(approved(), release(2.0), release(2.0, root="r2"), release(1.0, "emp-b")) == 3
    assert (
        vet(approved(), cap(6.0), release(2.0), release(2.0, root="r2"), release(2.0, root="r3"))
        == 3
    )


def test_an_employer_over_its_cap_is_refused_at_the_leaf_that_crosses_it() -> None:
    error = refused(approved(), release(2.0), release(1.5, root="r2"), release(1.0, root="r3"))
    assert error.code == "tlog.budget_employer_overspent"
    assert error.params["leaf"] == 3 and error.params["employer"] == "emp-a"
    lowered = refused(approved(), release(2.0), cap(2.5), release(1.0, root="r2"))
    assert lowered.code == "tlog.budget_employer_overspent" and lowered.params["leaf"] == 3


def test_a_release_without_its_approval_is_refused() -> None:
    assert refused(release(1.0)).code == "tlog.budget_release_unapproved"
    vetoed = refused(
        approved(), leaf("service.vetoed", {"service": "svc", "version": 1}), release(1.0)
    )
    assert vetoed.code == "tlog.budget_release_unapproved" and vetoed.params["leaf"] == 2
    assert refused(approved(version=2), release(1.0)).params["leaf"] == 1


def test_a_member_commitment_over_the_member_cap_is_refused() -> None:
    error = refused(approved(), cap(8.0), release(2.0), release(2.0), release(0.5, root="r2"))
    assert error.code == "tlog.budget_member_overspent" and error.params["leaf"] == 3
    assert refused(approved(), cap(8.0), release(3.5)).code == "tlog.budget_member_overspent"


def test_a_release_leaf_without_its_public_fields_is_refused() -> None:
    no_epsilon = leaf("release", {"employer": "emp-a", "service": "svc", "season": 2020})
    assert refused(approved(), no_epsilon).code == "tlog.budget_release_unreadable"
    no_members = release(1.0, members=None)
    assert refused(approved(), no_members).code == "tlog.budget_release_unreadable"
