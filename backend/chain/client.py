"""`Chain`: one connection to the node and the deployed coin, with plain-valued questions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import requests
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ProviderConnectionError, TimeExhausted, TransactionNotFound, Web3RPCError
from web3.logs import DISCARD
from web3.types import RPCEndpoint

from backend.chain.artifacts import coin_abi
from backend.chain.deployment import Deployment
from backend.chain.money import AuthorizationEvent, AuthorizedTransfer, Burn, BurnReceipt, ContractCall
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


    # -- money (payments and redemptions; values in backend.chain.money)

    def _authorized_call(self, function: str, *args: Any) -> ContractCall:
        call = getattr(self.coin.functions, function)(*args)
        return ContractCall(function, str(call._encode_transaction_data()))

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
    ) -> ContractCall:
        """The encoded EIP-3009 transferWithAuthorization (nothing is sent)."""
        return self._authorized_call(
            "transferWithAuthorization",
            Web3.to_checksum_address(from_),
            Web3.to_checksum_address(to),
            value,
            valid_after,
            valid_before,
            _bytes32(nonce),
            v,
            r,
            s,
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
    ) -> ContractCall:
        """The encoded redeemWithAuthorization (nothing is sent)."""
        return self._authorized_call(
            "redeemWithAuthorization",
            Web3.to_checksum_address(merchant),
            amount,
            _bytes32(ref),
            valid_after,
            valid_before,
            _bytes32(nonce),
            v,
            r,
            s,
        )

    @chain_call
    def authorization_used(self, authorizer: str, nonce: str) -> bool:
        """`authorizationState(authorizer, nonce)`: true once used or cancelled."""
        return bool(
            self.coin.functions.authorizationState(
                Web3.to_checksum_address(authorizer), _bytes32(nonce)
            ).call()
        )

    @chain_call
    def authorization_event(self, event: str, authorizer: str, nonce: str) -> AuthorizationEvent | None:
        """The `AuthorizationUsed` or `AuthorizationCanceled` log of (authorizer, nonce), or None. A
        node that refuses the block range (public RPCs limit it) counts as "not found"."""
        try:
            logs = getattr(self.coin.events, event)().get_logs(
                argument_filters={"authorizer": Web3.to_checksum_address(authorizer),
                                  "nonce": _bytes32(nonce)},
                from_block=self.deployment.block,
            )
        except (ValueError, TypeError, Web3RPCError):
            return None
        if not logs:
            return None
        return AuthorizationEvent(Web3.to_hex(logs[0]["transactionHash"]), int(logs[0]["blockNumber"]))

    @chain_call
    def authorized_transfer_in(self, tx_hash: str) -> AuthorizedTransfer | None:
        """The transferWithAuthorization that transaction `tx_hash` called, or None (another call)."""
        try:
            tx = self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            fn, args = self.coin.decode_function_input(tx["input"])
        except (ValueError, TransactionNotFound):
            return None
        if fn.fn_name != "transferWithAuthorization":
            return None
        return AuthorizedTransfer(str(args["from"]), str(args["to"]), int(args["value"]))

    @chain_call
    def is_merchant_at(self, address: str, block: int) -> bool:
        """`isMerchant(address)` as of block `block`."""
        return bool(
            self.coin.functions.isMerchant(Web3.to_checksum_address(address)).call(block_identifier=block)
        )

    @chain_call
    def burns_in(self, tx_hash: str) -> BurnReceipt:
        """What transaction `tx_hash` burnt: its state, depth and the coin's Redeemed logs."""
        try:
            receipt = self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            try:
                self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return BurnReceipt("unknown")
            return BurnReceipt("pending")
        block = int(receipt["blockNumber"])
        coin = self.address.lower()
        touches = (receipt.get("to") or "").lower() == coin or any(
            log["address"].lower() == coin for log in receipt["logs"]
        )
        burns = [
            Burn(
                merchant=Web3.to_checksum_address(e["args"]["merchant"]),
                amount=int(e["args"]["amount"]),
                ref="0x" + bytes(e["args"]["ref"]).hex(),
                log_index=int(e["logIndex"]),
            )
            for e in self.coin.events.Redeemed().process_receipt(receipt, errors=DISCARD)
            if e["address"].lower() == coin
        ]
        return BurnReceipt(
            "succeeded" if receipt["status"] == 1 else "reverted",
            block,
            self.latest_block() - block + 1,
            touches,
            burns,
        )

    @chain_call
    def latest_block_time(self) -> int:
        """The newest block's timestamp (seconds)."""
        return int(self.w3.eth.get_block("latest")["timestamp"])


    @chain_call
    def open_transfers(self) -> bool:
        """`openTransfers()`: whether person-to-person transfers are open."""
        return bool(self.coin.functions.openTransfers().call())


def claim_id_bytes(claim_number: int) -> bytes:
    """The on-chain claimId of a claim: its sequential number as a big-endian bytes32."""
    if claim_number < 0:
        raise ValueError("claim numbers are not negative")
    return claim_number.to_bytes(32, "big")


def _bytes32(hex_text: str) -> bytes:
    """A 0x-hex bytes32 (a nonce or a ref) as the 32 bytes the ABI encoder takes."""
    raw = bytes.fromhex(hex_text.removeprefix("0x"))
    if len(raw) != 32:
        raise ValueError(f"{hex_text!r} is not 32 bytes")
    return raw
