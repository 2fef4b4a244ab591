"""The hourly-rate rule for a task (MAX_HOURLY_RATE), as a pure function of reward, minutes and limit."""

from decimal import Decimal

import pytest

from backend.errors import HourlyRateTooHigh, MinutesRequired
from backend.tasks.service import check_hourly_rate

FIVE = Decimal("5.00")


@pytest.mark.parametrize(("reward_units", "minutes"), [(1500, 180), (1200, 144), (1, 1440), (500, 60)])
def test_a_reward_at_or_below_the_rate_passes(reward_units: int, minutes: int) -> None:
    check_hourly_rate(reward_units, minutes, FIVE)


def test_a_reward_one_cent_above_the_rate_is_refused_with_the_rate_it_would_pay() -> None:
    with pytest.raises(HourlyRateTooHigh) as refused:
        check_hourly_rate(1501, 180, FIVE)
    assert refused.value.details["rate"] == "5.00"  # 5.0033 an hour, shown rounded
    with pytest.raises(HourlyRateTooHigh) as refused:
        check_hourly_rate(1500, 120, FIVE)
    assert refused.value.details["rate"] == "7.50"


def test_without_minutes_the_rate_cannot_be_checked_so_the_task_is_refused() -> None:
    with pytest.raises(MinutesRequired):
        check_hourly_rate(1500, None, FIVE)


def test_without_a_limit_anything_passes() -> None:
    check_hourly_rate(150_000, None, None)
