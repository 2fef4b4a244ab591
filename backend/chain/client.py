"""`Chain`: one connection to the node and the deployed coin, with plain-valued questions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import requests
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ProviderConnectionError, TimeExhausted
from web3.types import RPCEndpoint

from backend.chain.artifacts import coin_abi
from backend.chain.deployment import Deployment
from backend.chain.rewards import REWARDED_TOPIC, RewardPaid, decode_rewarded
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
    def is_rewarded(self, claim_id: bytes) -> bool:
        """Whether the on-chain claim id (`claim_id_bytes(...)`) has been paid."""
        return bool(self.coin.functions.isRewarded(claim_id).call())

    @chain_call
    def is_merchant(self, address: str) -> bool:
        return bool(self.coin.functions.isMerchant(Web3.to_checksum_address(address)).call())

    @chain_call
    def call(self, fn_name: str, *args: Any) -> Any:
        return getattr(self.coin.functions, fn_name)(*args).call()

    @chain_call
    def has_code(self) -> bool:
        return len(self.w3.eth.get_code(Web3.to_checksum_address(self.deployment.address))) > 0

    # -- rewards

    def rewards_in(self, receipt: Mapping[str, Any]) -> list[RewardPaid]:
        """The `Rewarded` events a transaction's receipt (raw JSON or web3's) carries, in log order."""
        return decode_rewarded(receipt.get("logs") or [], self.deployment.address)

    @chain_call
    def rewards_paid(self, claim_ids: Sequence[int]) -> list[RewardPaid]:
        """Every `Rewarded` event (since the deployment) for any of these on-chain claim ids."""
        paid: list[RewardPaid] = []
        ids = list(dict.fromkeys(claim_ids))
        for start in range(0, len(ids), 100):  # topic lists stay short enough for every node
            topics = ["0x" + i.to_bytes(32, "big").hex() for i in ids[start : start + 100]]
            paid += self._rewarded_logs([REWARDED_TOPIC, topics], self.deployment.block, "latest")
        return paid

    @chain_call
    def rewards_with_prefix(
        self, prefix: int, *, from_block: int | None = None, to_block: int | None = None, chunk_blocks: int = 10_000
    ) -> list[RewardPaid]:
        """Every `Rewarded` event in blocks from_block..to_block (default: the deployment's to the
        latest) whose claim id has `prefix` in its high 128 bits. Topics cannot match a prefix, so
        every Rewarded log is read in block chunks and filtered."""
        head = int(self.w3.eth.block_number) if to_block is None else to_block
        first = self.deployment.block if from_block is None else max(from_block, self.deployment.block)
        found: list[RewardPaid] = []
        for start in range(first, head + 1, chunk_blocks):
            end = min(head, start + chunk_blocks - 1)
            found += [p for p in self._rewarded_logs([REWARDED_TOPIC], start, end) if p.claim_id >> 128 == prefix]
        return found

    @chain_call
    def mint_limit_remaining(self) -> int:
        """Units the coin lets the minter mint in the current window (`mintLimitRemaining`)."""
        return int(self.coin.functions.mintLimitRemaining().call())

    @chain_call
    def mint_limit(self) -> tuple[int, int]:
        """The coin's mint budget: (units per window, window length in seconds) (`mintLimit`)."""
        per_window, seconds = self.coin.functions.mintLimit().call()
        return int(per_window), int(seconds)

    def _rewarded_logs(self, topics: list[Any], from_block: int, to_block: int | str) -> list[RewardPaid]:
        logs = self.w3.eth.get_logs(
            {
                "address": Web3.to_checksum_address(self.deployment.address),
                "topics": topics,
                "fromBlock": from_block,
                "toBlock": to_block,  # type: ignore[typeddict-item]
            }
        )
        return decode_rewarded(logs, self.deployment.address)  # type: ignore[arg-type]


CLAIM_PART_BITS = 128  # the low half of an on-chain claim id: the claim's number; the high half: the prefix
CLAIM_PART_MAX = (1 << CLAIM_PART_BITS) - 1


def claim_id_bytes(claim_number: int, *, prefix: int) -> bytes:
    """The on-chain claimId of a claim: the installation's 128-bit prefix in the high half and the
    claim's sequential number in the low half, as a big-endian bytes32. The prefix keeps another or a
    restored database from reusing an id the chain has seen; the sequential low half keeps the coin's
    bitmap cheap (256 consecutive claims share one storage word)."""
    if not 0 <= claim_number <= CLAIM_PART_MAX:
        raise ValueError("claim numbers are between 0 and 2**128 - 1")
    if not 0 <= prefix <= CLAIM_PART_MAX:
        raise ValueError("claim id prefixes are between 0 and 2**128 - 1")
    return ((prefix << CLAIM_PART_BITS) | claim_number).to_bytes(32, "big")


def claim_number_of(claim_id: int | bytes, *, prefix: int) -> int | None:
    """The claim number inside an on-chain claim id, or None when the id is not under `prefix`."""
    value = int.from_bytes(claim_id, "big") if isinstance(claim_id, bytes) else claim_id
    return value & CLAIM_PART_MAX if value >> CLAIM_PART_BITS == prefix else None
