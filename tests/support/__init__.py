"""Helpers the test tiers share (import them from here, never from a conftest):

- `tests.support.accounts`: Anvil's public test accounts, EIP-4361 messages and signatures;
- `tests.support.fake_chain`: `FakeChain`, an in-memory `Chain` for unit tests of services;
- `tests.support.unit`: an in-memory SQLite database and a runtime around a FakeChain.
"""
