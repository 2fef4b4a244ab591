"""Failure drills (`make drill`, `python -m drills`): each drill builds its own stack (Anvil, database,
`heitje up`, `heitje worker`) in a temporary directory, breaks something on purpose, and ends by checking
every money invariant of DESIGN.md on chain and in the database (drills/invariants.py)."""
