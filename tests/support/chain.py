"""Integration-test helpers for the real `Chain`."""

from __future__ import annotations

from typing import Any

import pytest

from backend.chain.client import Chain

GONE = "http://127.0.0.1:9"  # nothing listens on the discard port


def take_node_away(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request of `chain` from now on (typed reads, raw RPC, and the chain package's own web3
    calls) goes to a node that is not there, until the test ends."""
    # The chain's web3 connection is made on first use from the RPC's URL: make it now, with the real
    # node, so that the end of the test puts the real node back (made later, it would keep GONE forever).
    provider = chain._w3.provider
    monkeypatch.setattr(provider, "endpoint_uri", GONE)
    monkeypatch.setattr(chain.rpc, "url", GONE)


def web3_of(chain: Chain) -> Any:
    """The chain package's private web3 connection, for test set-up that needs web3 itself (Anvil's
    cheat codes, building raw transactions). Application code never gets it."""
    return chain._w3


def coin_of(chain: Chain) -> Any:
    """The chain package's private web3 contract of the coin, for test set-up."""
    return chain._coin
