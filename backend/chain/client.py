"""`Chain`: one connection to the node and the deployed coin, with plain-valued questions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import requests
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ProviderConnectionError, TimeExhausted
from web3.types import RPCEndpoint

from backend.chain.artifacts import coin_abi
from backend.chain.deployment import Deployment
from backend.errors import ChainUnavailable

P = ParamSpec("P")
T = TypeVar("T")

# Failures that mean "the node is not there right now", as opposed to "the node said no".
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    ProviderConnectionError,
    TimeExhausted,
    ConnectionError,
)


def chain_call(fn: Callable[P, T]) -> Callable[P, T]:
    """Turns a dropped connection into ChainUnavailable (503 `chain_unavailable` at the API)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except CONNECTION_ERRORS as exc:
            raise ChainUnavailable(type(exc).__name__) from exc

    return wrapper


def connect(rpc_url: str, timeout: float = 10.0) -> Web3:
    # Only the chain id is cached (web3 asks for it before every signed call); blocks and logs never
    # are, or the indexer could miss a reorg.
    provider = Web3.HTTPProvider(
        rpc_url,
        request_kwargs={"timeout": timeout},
        cache_allowed_requests=True,
        cacheable_requests={RPCEndpoint("eth_chainId")},
    )
    return Web3(provider)


class Chain:
    """The node and the coin. Cheap to share between threads (web3's HTTP provider is thread-safe)."""

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.coin: Contract = w3.eth.contract(address=Web3.to_checksum_address(deployment.address), abi=coin_abi())

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    @property
    def address(self) -> str:
        return self.deployment.address

    @chain_call
    def latest_block(self) -> int:
        return int(self.w3.eth.block_number)

    @chain_call
    def balance_of(self, address: str) -> int:
        return int(self.coin.functions.balanceOf(Web3.to_checksum_address(address)).call())

    @chain_call
    def total_supply(self) -> int:
        return int(self.coin.functions.totalSupply().call())

    @chain_call
    def is_rewarded(self, claim_number: int) -> bool:
        return bool(self.coin.functions.isRewarded(claim_id_bytes(claim_number)).call())

    @chain_call
    def is_merchant(self, address: str) -> bool:
        return bool(self.coin.functions.isMerchant(Web3.to_checksum_address(address)).call())

    @chain_call
    def call(self, fn_name: str, *args: Any) -> Any:
        return getattr(self.coin.functions, fn_name)(*args).call()

    @chain_call
    def has_code(self) -> bool:
        return len(self.w3.eth.get_code(Web3.to_checksum_address(self.deployment.address))) > 0


def claim_id_bytes(claim_number: int) -> bytes:
    """The on-chain claimId of a claim: its sequential number as a big-endian bytes32."""
    if claim_number < 0:
        raise ValueError("claim numbers are not negative")
    return claim_number.to_bytes(32, "big")
