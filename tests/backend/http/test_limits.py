"""Which rate limits apply: the city's defaults, RATE_LIMITS replacing the buckets it names, or none."""

from __future__ import annotations

from backend.http.limits import DEFAULT_LIMITS, limits_of
from backend.settings import Settings, parse_rate_limits


def test_without_rate_limits_a_city_gets_the_defaults() -> None:
    assert limits_of(Settings()) == parse_rate_limits(DEFAULT_LIMITS)


def test_rate_limits_replace_only_the_buckets_they_name() -> None:
    limits = limits_of(Settings(rate_limits="sign_in=5/60"))
    assert limits["sign_in"] == (5, 60)
    assert limits["reads"] == parse_rate_limits(DEFAULT_LIMITS)["reads"]


def test_the_test_environment_is_generous_unless_told_otherwise() -> None:
    assert min(count for count, _ in limits_of(Settings(environment="test")).values()) >= 10_000


def test_off_switches_every_limit_off() -> None:
    assert limits_of(Settings(rate_limits="off")) == {}
