"""The cap year (DESIGN invariant 4): the calendar year of the approval in the city's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.rewards import service
from backend.rewards.service import cap_year
from tests.backend.claims.helpers import Loop, rewards_by_claim

NEW_YEARS_EVE_23_30_UTC = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Heerlen


def test_half_past_midnight_on_new_years_day_in_amsterdam_counts_in_the_new_year(settings) -> None:
    assert cap_year(NEW_YEARS_EVE_23_30_UTC, settings) == 2026


def test_new_years_eve_in_amsterdam_counts_in_the_old_year(settings) -> None:
    assert cap_year(datetime(2025, 12, 31, 22, 59, tzinfo=UTC), settings) == 2025


def test_cap_year_follows_the_configured_time_zone(settings) -> None:
    utc_city = settings.model_copy(update={"cap_timezone": "UTC"})
    assert cap_year(NEW_YEARS_EVE_23_30_UTC, utc_city) == 2025


def test_a_time_without_zone_is_refused(settings) -> None:
    with pytest.raises(ValueError):
        cap_year(datetime(2025, 12, 31, 23, 30), settings)


def test_approval_after_midnight_in_amsterdam_counts_towards_the_new_years_cap(
    loop: Loop, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "utcnow", lambda: NEW_YEARS_EVE_23_30_UTC)
    claim_id, _ = loop.approved_claim()
    assert rewards_by_claim(runtime)[claim_id].year == 2026
