"""Rewards: the outbox of approved claims to pay, and the sender that pays them on chain exactly once."""
