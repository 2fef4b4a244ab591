"""`FakeChain`: an in-memory stand-in for `backend.chain.client.Chain`, for unit tests of services.

It answers the same typed questions in the same plain values (ints, strs, bools, `Event`s) from
dicts, and offers the coin's own moves (`reward`, `set_merchant`, `transfer`, `redeem`,
`use_authorization`) so a test sets up the chain the service then asks about. Each move is one
"transaction" mined in its own block. It keeps the coin's rules that services rely on: a claimId is
rewarded once, balances never go negative, redemptions only by merchants. Integration tests use a
real Anvil instead (tests/backend).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address

from backend.chain.client import Chain, TxStatus
from backend.chain.deployment import Deployment
from backend.chain.events import ZERO_ADDRESS, Event
from backend.chain.money import Burn, BurnReceipt, EncodedCall
from backend.chain.reverts import Revert, decode_revert
from backend.chain.rewards import RewardPaid, rewards_among
from backend.chain.rpc import Rpc, RpcError
from backend.errors import ChainUnavailable

FAKE_COIN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def fake_deployment(chain_id: int = 31337, address: str = FAKE_COIN) -> Deployment:
    zero_hash = "0x" + "00" * 32
    return Deployment(chain_id=chain_id, address=address, block=1, tx_hash=zero_hash, name="Heitje", symbol="HEIT")


def _hex32(value: int | bytes | str) -> str:
    if isinstance(value, int):
        return "0x" + value.to_bytes(32, "big").hex()
    if isinstance(value, bytes):
        return "0x" + value.rjust(32, b"\0").hex()
    return "0x" + value.removeprefix("0x").lower().rjust(64, "0")


# Calldata is encoded by the real Chain's encoder (it never asks the node): the fake's calls are the real ones.
_ENCODER = Chain(Rpc("http://127.0.0.1:9"), fake_deployment())


class CoinRefused(RuntimeError):
    """The fake coin refuses a move the real one would revert (the custom error's name)."""


@dataclass
class FakeChain:
    """The node and the coin, in memory. Addresses are compared checksummed."""

    deployment: Deployment = field(default_factory=fake_deployment)
    balances: dict[str, int] = field(default_factory=dict)
    merchants: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)  # address -> (block, accepted)
    rewarded: dict[str, tuple[str, int]] = field(default_factory=dict)  # claimId hex -> (citizen, amount)
    authorizations: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # -> (used|cancelled, tx)
    events: list[Event] = field(default_factory=list)
    block: int = 1
    block_time: int = 1_800_000_000
    is_paused: bool = False
    transfers_open: bool = False
    mint_remaining: int = 10_000_000
    mint_per_window: int = 10_000_000
    mint_window_seconds: int = 86_400
    down: bool = False  # True: every question raises ChainUnavailable, as a node that is gone
    native: dict[str, int] = field(default_factory=dict)  # address -> wei of the chain's own currency
    wei_per_gas: int = 1_000_000_000

    # --- the test's moves ------------------------------------------------------------------------

    def _mine(self) -> tuple[int, str]:
        self.block += 1
        self.block_time += 5
        return self.block, "0x" + hashlib.sha256(f"tx{self.block}".encode()).hexdigest()

    def _emit(self, tx_hash: str, name: str, **args: Any) -> Event:
        index = sum(1 for e in self.events if e.tx_hash == tx_hash)
        event = Event(name, args, tx_hash, index, self.block, self.block_hash(self.block) or "", self.address)
        self.events.append(event)
        return event

    def reward(self, citizen: str, amount: int, claim_id: int | bytes | str) -> str:
        """`reward(citizen, amount, claimId)`: mints once per claimId; returns the transaction hash."""
        key, citizen = _hex32(claim_id), to_checksum_address(citizen)
        if key in self.rewarded:
            raise CoinRefused("LocalCoinAlreadyRewarded")
        if amount > self.mint_remaining:
            raise CoinRefused("LocalCoinMintLimitExceeded")
        _, tx = self._mine()
        self.rewarded[key] = (citizen, amount)
        self.mint_remaining -= amount
        self.balances[citizen] = self.balances.get(citizen, 0) + amount
        self._emit(tx, "Transfer", **{"from": ZERO_ADDRESS, "to": citizen, "value": amount})
        self._emit(tx, "Rewarded", claimId=key, citizen=citizen, amount=amount)
        return tx

    def set_merchant(self, address: str, accepted: bool = True) -> str:
        address = to_checksum_address(address)
        _, tx = self._mine()
        self.merchants.setdefault(address, []).append((self.block, accepted))
        self._emit(tx, "MerchantSet", account=address, accepted=accepted)
        return tx

    def transfer(self, sender: str, to: str, amount: int) -> str:
        sender, to = to_checksum_address(sender), to_checksum_address(to)
        if not (self.transfers_open or self.is_merchant(sender) or self.is_merchant(to)):
            raise CoinRefused("LocalCoinTransferNotAllowed")
        if self.balances.get(sender, 0) < amount:
            raise CoinRefused("ERC20InsufficientBalance")
        _, tx = self._mine()
        self.balances[sender] -= amount
        self.balances[to] = self.balances.get(to, 0) + amount
        self._emit(tx, "Transfer", **{"from": sender, "to": to, "value": amount})
        return tx

    def redeem(self, merchant: str, amount: int, ref: bytes | str) -> str:
        merchant = to_checksum_address(merchant)
        if not self.is_merchant(merchant):
            raise CoinRefused("LocalCoinNotMerchant")
        if self.balances.get(merchant, 0) < amount:
            raise CoinRefused("ERC20InsufficientBalance")
        _, tx = self._mine()
        self.balances[merchant] -= amount
        self._emit(tx, "Transfer", **{"from": merchant, "to": ZERO_ADDRESS, "value": amount})
        self._emit(tx, "Redeemed", merchant=merchant, amount=amount, ref=_hex32(ref))
        return tx

    def use_authorization(self, authorizer: str, nonce: bytes | str, *, to: str, value: int) -> str:
        """`transferWithAuthorization` by anyone: the nonce is used and the coins move."""
        key = (to_checksum_address(authorizer), _hex32(nonce))
        if key in self.authorizations:
            raise CoinRefused("ERC3009UsedOrCanceledAuthorization")
        tx = self.transfer(key[0], to, value)
        self.authorizations[key] = ("used", tx)
        self._emit(tx, "AuthorizationUsed", authorizer=key[0], nonce=key[1])
        return tx

    def cancel_authorization(self, authorizer: str, nonce: bytes | str) -> str:
        key = (to_checksum_address(authorizer), _hex32(nonce))
        _, tx = self._mine()
        self.authorizations[key] = ("cancelled", tx)
        self._emit(tx, "AuthorizationCanceled", authorizer=key[0], nonce=key[1])
        return tx

    def mine(self, blocks: int = 1) -> int:
        for _ in range(blocks):
            self._mine()
        return self.block

    # --- Chain's questions -----------------------------------------------------------------------

    def _up(self) -> None:
        if self.down:
            raise ChainUnavailable("FakeChain.down")

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    @property
    def address(self) -> str:
        return self.deployment.address

    def latest_block(self) -> int:
        self._up()
        return self.block

    def block_hash(self, number: int) -> str | None:
        if number < 0 or number > self.block:
            return None
        return "0x" + hashlib.sha256(f"block{number}".encode()).hexdigest()

    def latest_block_time(self) -> int:
        self._up()
        return self.block_time

    def has_code(self) -> bool:
        self._up()
        return True

    def node_chain_id(self) -> int:
        self._up()
        return self.chain_id

    def native_balance(self, address: str) -> int:
        self._up()
        return self.native.get(to_checksum_address(address), 0)

    def gas_price(self) -> int:
        self._up()
        return self.wei_per_gas

    def balance_of(self, address: str, block: int | str | None = None) -> int:
        self._up()
        return self.balances.get(to_checksum_address(address), 0)

    def total_supply(self) -> int:
        self._up()
        return sum(self.balances.values())

    def is_rewarded(self, claim_id: int | bytes | str) -> bool:
        self._up()
        return _hex32(claim_id) in self.rewarded

    def is_merchant(self, address: str, block: int | str | None = None) -> bool:
        self._up()
        at = block if isinstance(block, int) else self.block
        changes = self.merchants.get(to_checksum_address(address), [])
        history = [accepted for number, accepted in changes if number <= at]
        return bool(history and history[-1])

    def open_transfers(self) -> bool:
        self._up()
        return self.transfers_open

    def paused(self) -> bool:
        self._up()
        return self.is_paused

    def mint_limit_remaining(self) -> int:
        self._up()
        return self.mint_remaining

    def authorization_state(self, authorizer: str, nonce: bytes | str) -> bool:
        self._up()
        return (to_checksum_address(authorizer), _hex32(nonce)) in self.authorizations

    def authorization_used(self, authorizer: str, nonce: bytes | str) -> str | None:
        found = self.authorizations.get((to_checksum_address(authorizer), _hex32(nonce)))
        return found[1] if found and found[0] == "used" else None

    def authorization_cancelled(self, authorizer: str, nonce: bytes | str) -> str | None:
        found = self.authorizations.get((to_checksum_address(authorizer), _hex32(nonce)))
        return found[1] if found and found[0] == "cancelled" else None

    def get_logs(
        self,
        from_block: int,
        to_block: int | None = None,
        *,
        event: str | None = None,
        indexed: dict[str, Any] | None = None,
    ) -> list[Event]:
        self._up()
        last = self.block if to_block is None else to_block

        def plain(v: Any) -> Any:
            return _hex32(v) if isinstance(v, bytes) else v

        def matches(e: Event) -> bool:  # a list of values matches any of them, as on the real node
            for k, v in (indexed or {}).items():
                wanted = [plain(x) for x in v] if isinstance(v, list | tuple) else [plain(v)]
                if e.args.get(k) not in wanted:
                    return False
            return True

        return [
            e
            for e in self.events
            if from_block <= e.block_number <= last and (event is None or e.name == event) and matches(e)
        ]

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        self._up()
        mined = [e for e in self.events if e.tx_hash == tx_hash]
        if not mined:
            return None
        return {"transactionHash": tx_hash, "status": "0x1", "blockNumber": hex(mined[0].block_number), "logs": []}

    def tx_status(self, tx_hash: str) -> TxStatus:
        receipt = self.receipt(tx_hash)
        if receipt is None:
            return TxStatus("unknown")
        block = int(receipt["blockNumber"], 16)
        return TxStatus("confirmed", block, self.block - block + 1, receipt)

    def decode_receipt_events(self, receipt: dict[str, Any], names: Collection[str] | None = None) -> list[Event]:
        return [
            e for e in self.events
            if e.tx_hash == receipt.get("transactionHash") and (names is None or e.name in names)
        ]

    def events_in(self, tx_hash: str) -> list[Event]:
        self._up()
        return [e for e in self.events if e.tx_hash == tx_hash]

    def call_in(self, tx_hash: str) -> None:
        """The fake keeps no calldata: no transaction is a decodable call."""
        return None

    @staticmethod
    def decode_revert(error: RpcError | str | bytes | None) -> Revert:
        data = error.revert_data if isinstance(error, RpcError) else error
        return decode_revert(data)

    # -- rewards

    def mint_limit(self) -> tuple[int, int]:
        self._up()
        return self.mint_per_window, self.mint_window_seconds

    def rewards_in(self, receipt: dict[str, Any]) -> list[RewardPaid]:
        return rewards_among(self.decode_receipt_events(receipt))

    def rewards_paid(self, claim_ids: Sequence[int]) -> list[RewardPaid]:
        self._up()
        wanted = set(claim_ids)
        return [p for p in rewards_among(self.events) if p.claim_id in wanted]

    def rewards_with_prefix(
        self, prefix: int, *, from_block: int | None = None, to_block: int | None = None, chunk_blocks: int = 10_000
    ) -> list[RewardPaid]:
        events = self.get_logs(self.deployment.block if from_block is None else from_block, to_block, event="Rewarded")
        return [p for p in rewards_among(events) if p.claim_id >> 128 == prefix]
    # -- money

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
        return _ENCODER.transfer_with_authorization(
            from_=from_, to=to, value=value, valid_after=valid_after, valid_before=valid_before,
            nonce=nonce, v=v, r=r, s=s,
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
        return _ENCODER.redeem_with_authorization(
            merchant=merchant, amount=amount, ref=ref, valid_after=valid_after, valid_before=valid_before,
            nonce=nonce, v=v, r=r, s=s,
        )

    def burns_in(self, tx_hash: str) -> BurnReceipt:
        """Every fake transaction succeeded and is the coin's; its Redeemed events are its burns."""
        found = self.tx_status(tx_hash)
        if found.block_number is None:
            return BurnReceipt(found.status)
        burns = [
            Burn(e.args["merchant"], int(e.args["amount"]), str(e.args["ref"]).lower(), e.log_index)
            for e in self.events
            if e.tx_hash == tx_hash and e.name == "Redeemed"
        ]
        return BurnReceipt("succeeded", found.block_number, found.confirmations, True, burns)
