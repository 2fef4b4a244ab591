"""`Chain`: one connection to the node and the deployed coin, with typed, plain-valued questions.

Code outside `backend/chain` asks `Chain` (runtime.chain) and gets ints, strs, bools and dataclasses;
it never sees a web3 object. Every request goes through one `Rpc` (one pooled HTTP session); a node
that cannot be reached is `ChainUnavailable`, a node that says no is `RpcError`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any, ParamSpec, TypeVar

import requests
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ProviderConnectionError, TimeExhausted
from web3.types import RPCEndpoint

from backend.chain.artifacts import coin_abi
from backend.chain.deployment import Deployment
from backend.chain.events import Event, decode_events, topic_filter
from backend.chain.logs import LogRanges, LogSource, is_range_refusal
from backend.chain.money import Burn, BurnReceipt, EncodedCall
from backend.chain.reverts import Revert, decode_revert
from backend.chain.rewards import RewardPaid, rewards_among
from backend.chain.rpc import Rpc, RpcError
from backend.errors import ChainUnavailable

P = ParamSpec("P")
T = TypeVar("T")

Block = int | str | None  # a block number, a tag ("latest", "pending"), or None for "latest"

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


def connect(rpc_url: str, timeout: float = 10.0, session: requests.Session | None = None) -> Web3:
    """A web3 connection (for code inside backend/chain, drills, benchmarks and test set-up)."""
    # Only the chain id is cached (web3 asks for it before every signed call); blocks and logs never
    # are, or the indexer could miss a reorg.
    provider = Web3.HTTPProvider(
        rpc_url,
        request_kwargs={"timeout": timeout},
        session=session,
        cache_allowed_requests=True,
        cacheable_requests={RPCEndpoint("eth_chainId")},
    )
    return Web3(provider)


def node_chain_id(rpc_url: str, timeout: float = 10.0) -> int:
    """The chain id the node at `rpc_url` reports."""
    return int(Rpc(rpc_url, timeout=timeout).call("eth_chainId"), 16)


def has_code_at(rpc_url: str, address: str) -> bool:
    """True when the node at `rpc_url` holds contract code at `address`."""
    return len(Rpc(rpc_url).call("eth_getCode", [to_checksum_address(address), "latest"])) > 2


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


@dataclass(frozen=True)
class ContractCall:
    """A transaction's call to the coin, decoded: function name, arguments by name, sender."""

    function: str
    args: dict[str, Any]
    sender: str


@dataclass(frozen=True)
class TxStatus:
    """What the node says about a transaction: `status` is unknown | pending | confirmed | failed
    (mined and reverted); `receipt` is the node's raw receipt once mined."""

    status: str
    block_number: int | None = None
    confirmations: int = 0
    receipt: dict[str, Any] | None = None


@dataclass(frozen=True)
class _Function:
    selector: bytes
    inputs: list[str]
    input_names: list[str]
    outputs: list[str]


def _function_table() -> dict[str, _Function]:
    table = {}
    for item in coin_abi():
        if item.get("type") == "function":
            inputs = [i["type"] for i in item["inputs"]]
            table[item["name"]] = _Function(
                keccak(text=f"{item['name']}({','.join(inputs)})")[:4],
                inputs,
                [i["name"] for i in item["inputs"]],
                [o["type"] for o in item.get("outputs", [])],
            )
    return table


def _block_tag(block: Block) -> str:
    return hex(block) if isinstance(block, int) else (block or "latest")


def _bytes32(value: int | bytes | str) -> bytes:
    if isinstance(value, int):
        if not 0 <= value < 1 << 256:
            raise ValueError("a bytes32 value is between 0 and 2**256 - 1")
        return value.to_bytes(32, "big")
    if isinstance(value, str):
        value = bytes.fromhex(value.removeprefix("0x"))
    if len(value) != 32:
        raise ValueError("a bytes32 value has 32 bytes")
    return value


class Chain:
    """The node and the coin. Cheap to share between threads (the RPC session's pool is thread-safe)."""

    def __init__(self, rpc: Rpc, deployment: Deployment) -> None:
        self._rpc = rpc
        self.deployment = deployment
        self._functions = _function_table()
        self._log_ranges = LogRanges()

    @classmethod
    def at(cls, rpc_url: str, deployment: Deployment, *, timeout: float = 10.0) -> Chain:
        return cls(Rpc(rpc_url, timeout=timeout), deployment)

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    @property
    def address(self) -> str:
        return self.deployment.address

    @property
    def rpc(self) -> Rpc:
        """The JSON-RPC endpoint (for the chain package's own modules: sender, relayer, log source)."""
        return self._rpc

    # --- the coin's functions, encoded and decoded here ------------------------------------------

    def encode(self, function: str, *args: Any) -> str:
        """Calldata (0x-hex) for the coin's `function(*args)`."""
        fn = self._functions[function]
        return "0x" + (fn.selector + abi_encode(fn.inputs, list(args))).hex()

    def _read(self, function: str, *args: Any, block: Block = None) -> Any:
        call = {"to": self.address, "data": self.encode(function, *args)}
        out = self._rpc.call("eth_call", [call, _block_tag(block)])
        values = abi_decode(self._functions[function].outputs, bytes.fromhex(out[2:]))
        return values[0] if len(values) == 1 else values

    # --- the node -----------------------------------------------------------------------------------

    def latest_block(self) -> int:
        return int(self._rpc.call("eth_blockNumber"), 16)

    def block_hash(self, number: int) -> str | None:
        """The canonical hash at height `number`, or None above the head."""
        if number < 0:
            return None
        block = self._rpc.call("eth_getBlockByNumber", [hex(number), False])
        return None if block is None else str(block["hash"])

    def latest_block_time(self) -> int:
        """The latest block's timestamp (unix seconds)."""
        return int(self._rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def has_code(self) -> bool:
        return len(self._rpc.call("eth_getCode", [self.address, "latest"])) > 2

    def node_chain_id(self) -> int:
        """The chain id the node reports (the deployment's `chain_id` is the one it was made on)."""
        return int(self._rpc.call("eth_chainId"), 16)

    def native_balance(self, address: str) -> int:
        """What `address` holds of the chain's own currency, which pays gas (wei: xDAI on Gnosis Chain, ETH
        elsewhere)."""
        return int(self._rpc.call("eth_getBalance", [to_checksum_address(address), "latest"]), 16)

    def gas_price(self) -> int:
        """The node's current gas price in wei."""
        return int(self._rpc.call("eth_gasPrice"), 16)

    # --- the coin's state ---------------------------------------------------------------------------

    def balance_of(self, address: str, block: Block = None) -> int:
        return int(self._read("balanceOf", to_checksum_address(address), block=block))

    def total_supply(self) -> int:
        return int(self._read("totalSupply"))

    def is_rewarded(self, claim_id: int | bytes | str) -> bool:
        """Whether a claimId was paid: an int is the on-chain id as a number (a bare claim number is
        the id under prefix 0; see claim_id_bytes), bytes or 0x-hex the bytes32 itself."""
        return bool(self._read("isRewarded", _bytes32(claim_id)))

    def is_merchant(self, address: str, block: Block = None) -> bool:
        return bool(self._read("isMerchant", to_checksum_address(address), block=block))

    def open_transfers(self) -> bool:
        return bool(self._read("openTransfers"))

    def paused(self) -> bool:
        return bool(self._read("paused"))


    def authorization_state(self, authorizer: str, nonce: bytes | str) -> bool:
        """EIP-3009 `authorizationState`: True once (authorizer, nonce) was used or cancelled."""
        return bool(self._read("authorizationState", to_checksum_address(authorizer), _bytes32(nonce)))

    def authorization_used(self, authorizer: str, nonce: bytes | str) -> str | None:
        """The transaction that used (authorizer, nonce), or None when none did (yet), or when the node
        refuses to search the logs that far back (public nodes cap the range): `authorization_state`
        is the authority on whether it was used, this names the transaction when it can."""
        return self._authorization_tx("AuthorizationUsed", authorizer, nonce)

    def authorization_cancelled(self, authorizer: str, nonce: bytes | str) -> str | None:
        """The transaction that cancelled (authorizer, nonce), or None."""
        return self._authorization_tx("AuthorizationCanceled", authorizer, nonce)

    def used_authorization_in(self, tx_hash: str, authorizer: str, nonce: bytes | str) -> int | None:
        """The block of `tx_hash` if it is mined, succeeded and used the authorization (authorizer,
        nonce): inclusion, one confirmation; None otherwise (not yet mined, reverted, or another)."""
        receipt = self.receipt(tx_hash)
        if not receipt or int(str(receipt.get("status") or "0x0"), 16) != 1:
            return None
        wanted = ("0x" + _bytes32(nonce).hex(), to_checksum_address(authorizer))
        for event in self.decode_receipt_events(receipt):
            if event.name == "AuthorizationUsed" and (event.args["nonce"].lower(), event.args["authorizer"]) == wanted:
                return int(str(receipt["blockNumber"]), 16)
        return None

    def _authorization_tx(self, event: str, authorizer: str, nonce: bytes | str) -> str | None:
        indexed = {"authorizer": to_checksum_address(authorizer), "nonce": _bytes32(nonce)}
        try:
            found = self.get_logs(self.deployment.block, event=event, indexed=indexed)
        except RpcError:
            return None
        return found[0].tx_hash if found else None

    # --- events -------------------------------------------------------------------------------------

    def get_logs(
        self,
        from_block: int,
        to_block: int | None = None,
        *,
        event: str | None = None,
        indexed: dict[str, Any] | None = None,
    ) -> list[Event]:
        """The coin's decoded events in blocks from_block..to_block (latest when None); only `event`
        (with some indexed arguments fixed by value in `indexed`) when given."""
        topics = topic_filter(event, indexed) if event is not None else None

        def fetch(start: int, end: int | None) -> list[Any]:
            query: dict[str, Any] = {"address": self.address, "fromBlock": hex(start), "toBlock": _block_tag(end)}
            if topics is not None:
                query["topics"] = topics
            return list(self._rpc.call("eth_getLogs", [query]))

        # A node that refuses a range too large (most public ones, for a query since the deployment)
        # is asked for it in the ranges it takes (`LogRanges`).
        if self._log_ranges.width is None:
            try:
                return decode_events(fetch(from_block, to_block), address=self.address)
            except RpcError as error:
                last = self.latest_block() if to_block is None and is_range_refusal(error) else to_block
                self._log_ranges.refused(from_block, from_block if last is None else last, error)
        last = self.latest_block() if to_block is None else to_block
        return decode_events(self._log_ranges.read(fetch, from_block, last), address=self.address)

    def decode_receipt_events(self, receipt: dict[str, Any], names: Collection[str] | None = None) -> list[Event]:
        """The coin's events in a transaction receipt (raw or web3-formatted), only those called `names`
        when given; other contracts' logs are left out."""
        return decode_events(receipt.get("logs") or [], address=self.address, names=names)

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        """The node's raw receipt (hex strings), or None while the transaction is not mined."""
        receipt = self._rpc.call("eth_getTransactionReceipt", [tx_hash])
        return dict(receipt) if receipt else None

    def tx_status(self, tx_hash: str) -> TxStatus:
        """Unknown to the node, pending, or mined (confirmed or failed) with its confirmations."""
        receipt = self.receipt(tx_hash)
        if receipt is None:
            known = self._rpc.call("eth_getTransactionByHash", [tx_hash])
            return TxStatus("pending" if known else "unknown")
        block = int(receipt["blockNumber"], 16)
        mined = "confirmed" if int(receipt["status"], 16) == 1 else "failed"
        return TxStatus(mined, block, self.latest_block() - block + 1, receipt)

    def events_in(self, tx_hash: str) -> list[Event]:
        """The coin's events emitted by a mined transaction (none while it is pending or unknown)."""
        receipt = self.receipt(tx_hash)
        return self.decode_receipt_events(receipt) if receipt else []

    def call_in(self, tx_hash: str) -> ContractCall | None:
        """The coin function a transaction called, decoded; None when it is unknown to the node or
        is no call of this coin's ABI."""
        tx = self._rpc.call("eth_getTransactionByHash", [tx_hash])
        if not tx or (tx.get("to") or "").lower() != self.address.lower():
            return None
        data = bytes.fromhex(str(tx.get("input") or "0x")[2:])
        for name, fn in self._functions.items():
            if data[:4] == fn.selector:
                try:
                    values = abi_decode(fn.inputs, data[4:])
                except Exception:  # noqa: BLE001 - malformed calldata is no call we can read
                    return None
                args = {
                    n: to_checksum_address(v) if t == "address" else ("0x" + v.hex() if isinstance(v, bytes) else v)
                    for n, t, v in zip(fn.input_names, fn.inputs, values, strict=True)
                }
                return ContractCall(name, args, to_checksum_address(tx["from"]))
        return None

    def log_source(self) -> LogSource:
        """Raw reads of heads, block hashes and the indexed events' logs, for the indexer."""
        return LogSource(self._rpc, self.address)

    # --- reverts ------------------------------------------------------------------------------------

    @staticmethod
    def decode_revert(error: RpcError | str | bytes | None) -> Revert:
        """A node's refusal (RpcError with revert data, or the data itself) as the coin's custom error."""
        data = error.revert_data if isinstance(error, RpcError) else error
        return decode_revert(data)

    # -- rewards -----------------------------------------------------------------------------------

    def mint_limit_remaining(self) -> int:
        """Units the coin lets the minter mint in the current window (`mintLimitRemaining`)."""
        return int(self._read("mintLimitRemaining"))

    def mint_limit(self) -> tuple[int, int]:
        """The coin's mint budget: (units per window, window length in seconds) (`mintLimit`)."""
        per_window, seconds = self._read("mintLimit")
        return int(per_window), int(seconds)

    def rewards_in(self, receipt: dict[str, Any]) -> list[RewardPaid]:
        """The `Rewarded` events a transaction's receipt (raw JSON or web3's) carries, in log order."""
        # Only the Rewarded logs are decoded: a batch's receipt carries a Transfer beside each of them.
        return rewards_among(self.decode_receipt_events(receipt, names=("Rewarded",)))

    def rewards_paid(self, claim_ids: Sequence[int]) -> list[RewardPaid]:
        """Every `Rewarded` event (since the deployment) for any of these on-chain claim ids."""
        paid: list[RewardPaid] = []
        ids = list(dict.fromkeys(claim_ids))
        for start in range(0, len(ids), 100):  # topic lists stay short enough for every node
            chunk = [_bytes32(i) for i in ids[start : start + 100]]
            paid += rewards_among(self.get_logs(self.deployment.block, event="Rewarded", indexed={"claimId": chunk}))
        return paid

    def rewards_with_prefix(
        self, prefix: int, *, from_block: int | None = None, to_block: int | None = None, chunk_blocks: int = 10_000
    ) -> list[RewardPaid]:
        """Every `Rewarded` event in blocks from_block..to_block (default: the deployment's to the
        latest) whose claim id has `prefix` in its high 128 bits. Topics cannot match a prefix, so
        every Rewarded log is read in block chunks and filtered."""
        head = self.latest_block() if to_block is None else to_block
        first = self.deployment.block if from_block is None else max(from_block, self.deployment.block)
        found: list[RewardPaid] = []
        for start in range(first, head + 1, chunk_blocks):
            end = min(head, start + chunk_blocks - 1)
            events = rewards_among(self.get_logs(start, end, event="Rewarded"))
            found += [p for p in events if p.claim_id >> CLAIM_PART_BITS == prefix]
        return found
    # -- money (payments and redemptions; values in backend.chain.money)

    def transfer_with_authorization(
        self,
        *,
        from_: str,
        to: str,
        value: int,
        valid_after: int,
        valid_before: int,
        nonce: str,
        v: int,
        r: bytes,
        s: bytes,
    ) -> EncodedCall:
        """The encoded EIP-3009 transferWithAuthorization (nothing is sent)."""
        return EncodedCall(
            "transferWithAuthorization",
            self.encode(
                "transferWithAuthorization",
                to_checksum_address(from_),
                to_checksum_address(to),
                value,
                valid_after,
                valid_before,
                _bytes32(nonce),
                v,
                r,
                s,
            ),
        )

    def redeem_with_authorization(
        self,
        *,
        merchant: str,
        amount: int,
        ref: str,
        valid_after: int,
        valid_before: int,
        nonce: str,
        v: int,
        r: bytes,
        s: bytes,
    ) -> EncodedCall:
        """The encoded redeemWithAuthorization (nothing is sent)."""
        return EncodedCall(
            "redeemWithAuthorization",
            self.encode(
                "redeemWithAuthorization",
                to_checksum_address(merchant),
                amount,
                _bytes32(ref),
                valid_after,
                valid_before,
                _bytes32(nonce),
                v,
                r,
                s,
            ),
        )

    def burns_in(self, tx_hash: str) -> BurnReceipt:
        """What transaction `tx_hash` burnt: its state (unknown | pending | succeeded | reverted),
        depth, whether it touched the coin, and the coin's Redeemed events."""
        found = self.tx_status(tx_hash)
        if found.receipt is None:
            return BurnReceipt(found.status)
        coin = self.address.lower()
        logs = found.receipt.get("logs") or []
        touches = str(found.receipt.get("to") or "").lower() == coin or any(
            str(log.get("address", "")).lower() == coin for log in logs
        )
        burns = [
            Burn(
                merchant=e.args["merchant"],
                amount=int(e.args["amount"]),
                ref=str(e.args["ref"]).lower(),
                log_index=e.log_index,
            )
            for e in self.decode_receipt_events(found.receipt)
            if e.name == "Redeemed"
        ]
        return BurnReceipt(
            "succeeded" if found.status == "confirmed" else "reverted",
            found.block_number,
            found.confirmations,
            touches,
            burns,
        )

    # --- web3, for the chain package's own modules only (sender, relayer) ---------------------------

    @cached_property
    def _w3(self) -> Web3:
        return connect(self._rpc.url, self._rpc.timeout, session=self._rpc.session)

    @cached_property
    def _coin(self) -> Contract:
        return self._w3.eth.contract(address=Web3.to_checksum_address(self.address), abi=coin_abi())
