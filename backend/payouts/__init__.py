"""The payouts domain."""
