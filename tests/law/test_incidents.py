"""The leak-report triggers and clocks, table-driven: each trigger alone, the head count at
1,000 and 1,001, the 60-day case, the exemptions, the 2024 web-skimming case, and due dates
counted in JST across month ends and holidays (none skipped: no provision says so)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from fairfollow.errors import InputError
from fairfollow.instants import JST
from fairfollow.law.incidents import (
    Duty,
    Exemption,
    IncidentFacts,
    Trigger,
    assess,
)

AT = datetime(2026, 12, 8, 10, 0, tzinfo=JST)
QUIET = IncidentFacts(discovered_at=AT, persons=10, categories=("email",))


def _jst_day(at: datetime | None) -> date:
    assert at is not None
    return at.astimezone(JST).date()


@pytest.mark.parametrize(
    ("changes", "fired"),
    [
        ({}, ()),
        ({"special_care": True}, (Trigger.SPECIAL_CARE,)),
        ({"financial_loss": True}, (Trigger.FINANCIAL_LOSS,)),
        ({"unlawful_purpose": True}, (Trigger.UNLAWFUL_PURPOSE,)),
        ({"persons": 1_000}, ()),
        ({"persons": 1_001}, (Trigger.OVER_THOUSAND,)),
        (
            {"special_care": True, "unlawful_purpose": True, "persons": 5_000},
            (Trigger.SPECIAL_CARE, Trigger.UNLAWFUL_PURPOSE, Trigger.OVER_THOUSAND),
        ),
        # web skimming: information being acquired, an unlawful act, after 2024-04-01
        ({"acquisition": True, "unlawful_purpose": True}, (Trigger.ACQUISITION,)),
        # being acquired but lost by accident: outside Rule 7 even now
        ({"acquisition": True, "persons": 5_000}, ()),
    ],
    ids=[
        "nothing",
        "special-care",
        "financial-loss",
        "unlawful-purpose",
        "1000-persons",
        "1001-persons",
        "several",
        "web-skimming",
        "acquisition-by-accident",
    ],
)
def test_each_trigger_alone(changes: dict[str, object], fired: tuple[Trigger, ...]) -> None:
    found = assess(replace(QUIET, **changes))  # type: ignore[arg-type]
    assert found.triggers == fired
    assert found.reportable is bool(fired)
    for duty in (Duty.PPC_PRELIMINARY, Duty.PPC_FINAL, Duty.PERSONS):
        assert found.duty(duty).required is bool(fired)
        assert (found.duty(duty).due_at is None) is not bool(fired)


@pytest.mark.parametrize(
    ("discovered", "reportable"),
    [
        (datetime(2024, 3, 31, 23, 59, tzinfo=JST), False),
        # 2024-03-31 15:00 UTC is 2024-04-01 00:00 in Japan: the amended rule applies
        (datetime(2024, 3, 31, 15, 0, tzinfo=UTC), True),
        (datetime(2024, 4, 1, 9, 0, tzinfo=JST), True),
    ],
    ids=["before-2024-04-01", "midnight-jst", "after"],
)
def test_web_skimming_is_reportable_from_2024_04_01_jst(
    discovered: datetime, reportable: bool
) -> None:
    facts = replace(QUIET, discovered_at=discovered, acquisition=True, unlawful_purpose=True)
    assert assess(facts).reportable is reportable


@pytest.mark.parametrize(
    ("changes", "exempt"),
    [
        ({"encrypted": True}, (Exemption.ENCRYPTED,)),
        ({"pseudonymised": True}, (Exemption.PSEUDONYMISED,)),
    ],
    ids=["encrypted", "pseudonymised"],
)
def test_exemptions_lift_the_ppc_duties(
    changes: dict[str, object], exempt: tuple[Exemption, ...]
) -> None:
    facts = replace(QUIET, special_care=True, persons=50_000, **changes)  # type: ignore[arg-type]
    found = assess(facts)
    assert found.triggers  # the situation is met …
    assert found.exemptions == exempt and not found.reportable  # … but exempt
    assert not any(found.duty(d).required for d in (Duty.PPC_PRELIMINARY, Duty.PPC_FINAL))
    cited = {str(c) for c in found.citations}
    assert {"PPC Rules Art. 7(i)", "APPI Art. 41(9)"} & cited
    assert "PPC Rules Art. 7(iv)" in cited


@pytest.mark.parametrize(
    ("discovered", "unlawful", "final_day"),
    [
        # day of discovery is day 1: 30 days end on day 30, over a month end
        (datetime(2026, 1, 31, 10, 0, tzinfo=JST), False, date(2026, 3, 1)),
        (datetime(2028, 1, 31, 10, 0, tzinfo=JST), False, date(2028, 2, 29)),  # leap year
        # 23:30 UTC on 31 Jan is 1 Feb in Japan: the JST day counts
        (datetime(2026, 1, 31, 23, 30, tzinfo=UTC), False, date(2026, 3, 2)),
        # the 60-day case (unlawful purpose)
        (datetime(2026, 1, 31, 10, 0, tzinfo=JST), True, date(2026, 3, 31)),
        # across the New Year holidays and Golden Week: no day skipped
        (datetime(2026, 12, 20, 10, 0, tzinfo=JST), False, date(2027, 1, 18)),
        (datetime(2027, 4, 20, 10, 0, tzinfo=JST), False, date(2027, 5, 19)),
    ],
    ids=["jan-31", "leap-year", "utc-evening", "60-days", "new-year", "golden-week"],
)
def test_final_report_is_due_at_the_end_of_day_30_or_60_in_jst(
    discovered: datetime, unlawful: bool, final_day: date
) -> None:
    facts = replace(QUIET, discovered_at=discovered, persons=2_000, unlawful_purpose=unlawful)
    due = assess(facts).duty(Duty.PPC_FINAL).due_at
    assert _jst_day(due) == final_day
    assert due is not None and due.astimezone(JST).time().isoformat() == "23:59:59"


def test_the_preliminary_report_and_the_notice_are_due_3_days_from_discovery() -> None:
    found = assess(replace(QUIET, special_care=True))
    expected = datetime(2026, 12, 11, 10, 0, tzinfo=JST)
    assert found.duty(Duty.PPC_PRELIMINARY).due_at == expected
    assert found.duty(Duty.PERSONS).due_at == expected
    assert not found.duty(Duty.PPC_PRELIMINARY).overdue(expected)
    assert found.duty(Duty.PPC_PRELIMINARY).overdue(datetime(2026, 12, 11, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("changes", "authority", "persons"),
    [
        ({"eu_persons": 0, "special_care": True}, False, False),
        ({"eu_persons": 3}, True, False),
        ({"eu_persons": 3, "special_care": True}, True, True),
        ({"eu_persons": 3, "special_care": True, "encrypted": True}, True, False),
        ({"eu_persons": 3, "special_care": True, "pseudonymised": True}, True, True),
    ],
    ids=["no-eu", "eu-low-risk", "eu-high-risk", "eu-encrypted", "eu-pseudonymised"],
)
def test_the_gdpr_clock_runs_72_hours_for_eu_members(
    changes: dict[str, object], authority: bool, persons: bool
) -> None:
    found = assess(replace(QUIET, **changes))  # type: ignore[arg-type]
    gdpr = found.duty(Duty.GDPR_AUTHORITY)
    assert gdpr.required is authority and found.duty(Duty.GDPR_PERSONS).required is persons
    if authority:
        assert gdpr.due_at == datetime(2026, 12, 11, 10, 0, tzinfo=JST)


def test_impossible_head_counts_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        replace(QUIET, persons=2, eu_persons=3)
    assert caught.value.code == "law.incident_persons_invalid"
