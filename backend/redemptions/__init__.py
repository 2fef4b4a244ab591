"""The redemptions domain."""
