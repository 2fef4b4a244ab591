"""Helpers the test tiers share (import them from here, never from a conftest):

- `tests.support.accounts`: Anvil's public test accounts, EIP-4361 messages and signatures;
- `tests.support.coin`: the coin's moves on the test Anvil (reward, setMerchant, redeem, mine, reorg);
- `tests.support.chain`: taking the node away from a real `Chain` in a test; its web3 objects for set-up;
- `tests.support.api`: a real sign-in through the API;
- `tests.support.fake_chain`: `FakeChain`, an in-memory `Chain` for unit tests of services;
- `tests.support.unit`: an in-memory SQLite database and a runtime around a FakeChain;
- `tests.support.people`: people signed in through the API, proof photos, coins and merchants on chain;
- `tests.support.payment_requests`: a shop at its till, requests paid with signed authorizations.

tests/architecture/test_tests_share_helpers.py fails on any import from a conftest.
"""
