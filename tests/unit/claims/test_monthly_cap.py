"""The monthly cap counts the calendar month (UTC) of the approval, and only that month."""

from datetime import UTC, datetime

import pytest

from backend.claims import service as claims
from backend.errors import MonthlyCapExceeded
from backend.rewards import service as rewards
from tests.support.unit import unit_settings
from tests.unit.helpers import OPERATOR, citizen, new_task, submitted_claim


def rewarded_at(session, who: str, moment: datetime) -> None:
    settings = unit_settings()
    claim = submitted_claim(session, new_task(session), who)
    _, reward = claims.approve(session, settings, claim_id=claim.id, operator=OPERATOR)
    reward.created_at = moment
    session.flush()


def test_a_reward_in_the_last_second_of_december_counts_in_december_only(session) -> None:
    settings = unit_settings(monthly_cap="20.00")
    who = citizen()
    rewarded_at(session, who, datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC))

    with pytest.raises(MonthlyCapExceeded) as refused:
        rewards.check_monthly_cap(
            session, settings, citizen=who, amount_units=1500, now=datetime(2026, 12, 1, tzinfo=UTC)
        )
    assert refused.value.details["month"] == "2026-12"
    rewards.check_monthly_cap(session, settings, citizen=who, amount_units=1500, now=datetime(2027, 1, 1, tzinfo=UTC))
    rewards.check_monthly_cap(session, settings, citizen=who, amount_units=1500, now=datetime(2026, 11, 30, tzinfo=UTC))


def test_without_a_monthly_cap_nothing_is_refused(session) -> None:
    who = citizen()
    rewarded_at(session, who, datetime(2026, 5, 5, tzinfo=UTC))
    rewards.check_monthly_cap(
        session, unit_settings(), citizen=who, amount_units=10**9, now=datetime(2026, 5, 6, tzinfo=UTC)
    )
