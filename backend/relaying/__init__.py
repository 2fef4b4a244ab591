"""Relaying's policy: who may have the relayer pay for their transaction, and how much of its gas."""
