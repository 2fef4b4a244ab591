"""The monthly cap counts the calendar month of the approval in the city's time zone (CAP_TIMEZONE,
the rule of the yearly cap's year), and only that month."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.claims import service as claims
from backend.errors import MonthlyCapExceeded
from backend.rewards import service as rewards
from tests.support.unit import unit_settings
from tests.unit.helpers import OPERATOR, citizen, new_task, submitted_claim

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def rewarded_at(session, who: str, moment: datetime) -> None:
    settings = unit_settings()
    claim = submitted_claim(session, new_task(session), who)
    _, reward = claims.approve(session, settings, claim_id=claim.id, operator=OPERATOR)
    reward.created_at = moment
    session.flush()


def test_a_reward_in_the_last_second_of_december_in_the_city_counts_in_december_only(session) -> None:
    settings = unit_settings(monthly_cap="20.00")
    who = citizen()
    rewarded_at(session, who, datetime(2026, 12, 31, 23, 59, 59, tzinfo=AMSTERDAM))

    with pytest.raises(MonthlyCapExceeded) as refused:
        rewards.check_monthly_cap(
            session, settings, citizen=who, amount_units=1500, now=datetime(2026, 12, 1, tzinfo=AMSTERDAM)
        )
    assert refused.value.details["month"] == "2026-12"
    rewards.check_monthly_cap(
        session, settings, citizen=who, amount_units=1500, now=datetime(2027, 1, 1, tzinfo=AMSTERDAM)
    )
    rewards.check_monthly_cap(
        session, settings, citizen=who, amount_units=1500, now=datetime(2026, 11, 30, 23, 59, tzinfo=AMSTERDAM)
    )


def test_an_approval_at_half_past_midnight_on_the_first_counts_in_the_new_month_although_utc_is_behind(
    session,
) -> None:
    settings = unit_settings(monthly_cap="20.00")
    who = citizen()
    rewarded_at(session, who, datetime(2026, 2, 28, 23, 30, tzinfo=UTC))  # 00:30 on 1 March in Heerlen

    with pytest.raises(MonthlyCapExceeded) as refused:
        rewards.check_monthly_cap(
            session, settings, citizen=who, amount_units=1500, now=datetime(2026, 3, 15, tzinfo=UTC)
        )
    assert refused.value.details["month"] == "2026-03"
    rewards.check_monthly_cap(session, settings, citizen=who, amount_units=1500, now=datetime(2026, 2, 20, tzinfo=UTC))


def test_cap_month_is_the_city_month_as_utc_bounds_the_same_rule_as_cap_year() -> None:
    settings = unit_settings()
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Heerlen

    assert rewards.cap_year(moment, settings) == 2027
    assert rewards.cap_month(moment, settings) == (
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2027, 1, 31, 23, 0, tzinfo=UTC),
    )


def test_without_a_monthly_cap_nothing_is_refused(session) -> None:
    who = citizen()
    rewarded_at(session, who, datetime(2026, 5, 5, tzinfo=UTC))
    rewards.check_monthly_cap(
        session, unit_settings(), citizen=who, amount_units=10**9, now=datetime(2026, 5, 6, tzinfo=UTC)
    )
