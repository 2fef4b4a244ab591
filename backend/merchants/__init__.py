"""Shops that accept the coin: the registry, payments to them, and their redemptions."""
