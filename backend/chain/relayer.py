"""The relayer: sends other people's signed authorizations on chain and pays their gas (settings.relayer_key).

Nonces are allocated under a database row lock (`relayer_nonces`, one row per relayer address and
chain), taken inside the caller's transaction: `SELECT ... FOR UPDATE` on PostgreSQL, and SQLite's
BEGIN IMMEDIATE write lock. So relays from any number of threads and API processes sharing one
database never pick the same nonce. The nonce used is the node's `pending` count, or the row's
`next_nonce` when that is ahead and the node seems only to lag (a load-balanced RPC may not have seen
our own last send yet). A row ahead of the node can also mean the chain lost relayed transactions (a
reorg the node does not re-broadcast, a pool eviction); trusting it then would queue every new relay
behind a nonce nobody sends. So the node gets the benefit of the doubt when: the transaction this
process sent at the node's `pending` nonce is unknown to the node (dropped), or the node's count has
stayed behind the row for `stale_after` seconds while relays went on, or the row is older than that.
A "nonce too low" answer refreshes from the node and retries.

Every call is simulated first: a call the chain would refuse raises `Reverted` with the contract's
custom error name and arguments, and no gas is spent. The two relayed functions are simulated with
one `eth_call` and sent with a fixed gas ceiling (GAS_CEILINGS); anything else with `eth_estimateGas`.

`send` relays one call in the caller's transaction; `send_batch` signs many with consecutive nonces
under one row lock and broadcasts them in one JSON-RPC batch request. The payments' relaying task
(backend.chain.relay_pipeline) uses it: one lock per batch, not per relay. Everything goes over the
chain's pooled JSON-RPC session (`Chain.rpc`), and transactions are signed here (`sign_legacy`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import coincurve
import rlp
from eth_abi import decode as abi_decode
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from sqlalchemy import BigInteger, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from web3.contract.contract import ContractFunction

from backend.chain.artifacts import coin_abi
from backend.chain.client import Chain, chain_call
from backend.chain.money import EncodedCall
from backend.chain.rpc import RpcError as NodeError
from backend.db import Base, UTCDateTime, utcnow
from backend.errors import ChainUnavailable, RelayerUnavailable

log = logging.getLogger("heitje.relayer")

MAX_NONCE_RETRIES = 3
GAS_HEADROOM = 1.2
# The node's answers when the nonce is in use: mined, the same transaction, or another one pending
# (whether by this very transaction is then asked: Relayer._broadcast).
NONCE_TAKEN = ("nonce too low", "already known", "replacement transaction underpriced")
ALREADY_KNOWN = "already known"  # the node has this very transaction (the same hash)
# Gas for the relayed calls, simulated with one eth_call instead of an estimate (the transaction's
# limit is this x GAS_HEADROOM; only the gas used is paid). bench/results.md measures them at about
# 70,500 and 72,100 gas; a payment to an address holding no coins yet writes one more slot (+17,000).
GAS_CEILINGS = {"transferWithAuthorization": 125_000, "redeemWithAuthorization": 125_000}
REMEMBERED_SENDS = 256  # hashes of this process's latest relays, by nonce, to ask the node about


class RelayerNonce(Base):
    """The next nonce of one relayer key on one chain; its row is the cross-process relay lock."""

    __tablename__ = "relayer_nonces"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_nonce: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class Reverted(Exception):
    """The chain would refuse the call: `error` is the custom error's name ("" if unknown)."""

    error: str
    args_: tuple[Any, ...] = ()
    raw: str = ""

    def __str__(self) -> str:
        return f"{self.error or 'revert'}{self.args_ if self.args_ else ''}"


def _error_table(abi: list[dict[str, Any]]) -> dict[bytes, tuple[str, list[str]]]:
    table = {}
    for item in abi:
        if item.get("type") == "error":
            types = [i["type"] for i in item.get("inputs", [])]
            table[keccak(text=f"{item['name']}({','.join(types)})")[:4]] = (item["name"], types)
    return table


def decode_revert(abi: list[dict[str, Any]], data: object) -> Reverted:
    """Turns revert data (0x-hex, as web3 reports it) into a named `Reverted`."""
    text = data if isinstance(data, str) else str(data or "")
    raw = bytes.fromhex(text[2:]) if text.startswith("0x") and len(text) >= 10 else b""
    known = _error_table(abi).get(raw[:4]) if raw else None
    if known is None:
        return Reverted("", (), text)
    name, types = known
    try:
        values = tuple(
            to_checksum_address(v) if t == "address" else v
            for t, v in zip(types, abi_decode(types, raw[4:]), strict=True)
        )
    except Exception:  # noqa: BLE001 - malformed arguments still name the error
        values = ()
    return Reverted(name, values, text)


def _calldata(call: EncodedCall | ContractFunction) -> str:
    return call.data if isinstance(call, EncodedCall) else str(call._encode_transaction_data())


def _refused(error: NodeError) -> Reverted | RpcError:
    """The node's answer to a relayer request as a named revert, or as the relayer being unable to send."""
    data = error.revert_data
    if "revert" in error.message.lower() or data is not None:
        return decode_revert(coin_abi(), data)
    return RpcError(error.message)


def sign_legacy(
    key: coincurve.PrivateKey, *, chain_id: int, nonce: int, gas_price: int, gas: int, to: bytes, data: bytes
) -> tuple[str, str]:
    """An EIP-155 (legacy) transaction of no value, signed: (raw 0x-hex, 0x hash). What eth-account's
    `sign_transaction` makes of the same fields, without its per-call key derivation and validation
    (a relay batch signs dozens)."""
    fields = [nonce, gas_price, gas, to, 0, data]
    digest = keccak(rlp.encode([*fields, chain_id, 0, 0]))
    signature = key.sign_recoverable(digest, hasher=None)
    r, s, recovery = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    raw = rlp.encode([*fields, recovery + 35 + 2 * chain_id, r, s])
    return "0x" + raw.hex(), "0x" + keccak(raw).hex()


def _unsure(answer: str | NodeError | None) -> bool:
    """Whether a broadcast's answer may hide that the node has the transaction (see `_broadcast`)."""
    if answer is None:
        return True
    if not isinstance(answer, NodeError):
        return False
    return answer.code is None or _nonce_taken(answer)


def _nonce_taken(error: NodeError) -> bool:
    return any(t in error.message.lower() for t in NONCE_TAKEN)


class RpcError(RelayerUnavailable):
    """The node refused a relayer request for a reason other than a revert (no gas money, fee too
    low, ...): 503 `relayer_unavailable` at the API."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.rpc_message = message

    def __str__(self) -> str:
        return self.rpc_message


class Relayer:
    """Sends contract calls from the relayer key. Share one per process (see payments.authorization).

    It speaks JSON-RPC to the provider directly: web3's middleware asks the node for the chain id
    before every call and transaction, which would double the round trips of a relay."""

    def __init__(self, chain: Chain, key: str, *, stale_after: float = 2.0) -> None:
        self.chain = chain
        self.account = Account.from_key(key)
        self.address: str = self.account.address
        self._secret = coincurve.PrivateKey(bytes(self.account.key))
        self._coin_bytes = bytes.fromhex(chain.address.removeprefix("0x"))
        self.stale_after = stale_after
        self._gas_price: tuple[float, int] = (0.0, 0)
        self._clock = time.monotonic
        self._sent: OrderedDict[int, str] = OrderedDict()  # nonce -> hash of our relay with it
        self._sent_lock = threading.Lock()
        self._behind: tuple[int, float] | None = None  # (node's count, first seen) while behind the row

    def _rpc(self, method: str, params: list[Any]) -> Any:
        try:
            return self.chain.rpc.call(method, params)
        except NodeError as exc:
            raise _refused(exc) from exc

    @chain_call
    def simulate(self, call: EncodedCall | ContractFunction) -> int:
        """Runs the call as the relayer would send it now; raises `Reverted` when the chain would refuse
        it. Returns the gas to send it with: for a function with a known ceiling (GAS_CEILINGS) one
        `eth_call` decides and the ceiling is the gas (a node's `eth_estimateGas` runs the call
        several times, searching); for any other call, `eth_estimateGas`."""
        tx = {"from": self.address, "to": self.chain.address, "data": _calldata(call)}
        ceiling = GAS_CEILINGS.get(call.function) if isinstance(call, EncodedCall) else None
        if ceiling is not None:
            self._rpc("eth_call", [tx, "pending"])
            return ceiling
        return int(self._rpc("eth_estimateGas", [tx]), 16)

    @chain_call
    def send(self, session: Session, call: EncodedCall | ContractFunction, *, gas: int | None = None) -> str:
        """Simulates (unless `gas` is given from an earlier simulation), then signs and broadcasts
        `call` with a nonce allocated under the row lock in `session`'s transaction (held until the
        caller commits). Returns the 0x transaction hash."""
        data = _calldata(call)
        result = self.send_batch(session, [(data, gas if gas is not None else self.simulate(call))])[0]
        if isinstance(result, BaseException):
            raise result
        return result

    @chain_call
    def send_batch(self, session: Session, calls: list[tuple[str, int]]) -> list[str | RelayerUnavailable]:
        """Signs and broadcasts each (calldata, simulated gas) of `calls` with consecutive nonces
        allocated under the row lock in `session`'s transaction (held until the caller commits),
        in one JSON-RPC batch request. Answers, in order, each transaction's 0x hash or the node's
        refusal of it (`RpcError`: nothing of that one was sent). A node that cannot be reached
        raises `ChainUnavailable` for the lot. Nonces the node says are taken (by transactions that
        are not these) are signed afresh after the highest one in use and sent again (up to
        MAX_NONCE_RETRIES times). An answer that went wrong is settled by `_broadcast`."""
        if not calls:
            return []
        price = self._price()
        row = self._lock_row(session)
        nonce = self._next_nonce(row)
        results: list[str | RelayerUnavailable | None] = [None] * len(calls)
        todo = list(range(len(calls)))
        highest: int | None = None  # the highest nonce the node accepted
        for attempt in range(MAX_NONCE_RETRIES + 1):
            signed = [(nonce + k, *self._sign(*calls[i], price, nonce + k)) for k, i in enumerate(todo)]
            taken: list[int] = []
            for i, (used, _raw, tx_hash), answer in zip(todo, signed, self._broadcast(signed), strict=True):
                if not isinstance(answer, NodeError):
                    results[i] = tx_hash
                    self._remember(used, tx_hash)
                    highest = used if highest is None else max(highest, used)
                elif _nonce_taken(answer) and attempt < MAX_NONCE_RETRIES:
                    log.warning("relayer nonce %s was taken (%s); asking the node again", used, answer.message)
                    taken.append(i)
                else:
                    results[i] = RpcError(answer.message)
            if not taken:
                break
            nonce = max(nonce + len(todo), (highest or 0) + 1, self._pending())
            todo = taken
        if highest is not None:
            row.next_nonce = highest + 1
            row.updated_at = utcnow()
            session.flush()
        return [r if r is not None else RpcError("not sent") for r in results]

    def _broadcast(self, signed: list[tuple[int, str, str]]) -> list[str | NodeError]:
        """Sends each signed (nonce, raw, hash) in one batch request; answers, in order, its hash when
        the node has the transaction, else the node's refusal.

        An answer can go wrong on the way while the node took the transactions: the connection drops
        before the answer arrives, or the batch's answer lacks one. And a node answers "already known"
        to this very transaction given before (the same bytes, so the same hash: it has it), or "nonce
        too low" when it was mined. Taking any of those as a refusal and signing the authorization
        again would send it twice (the second reverts and the city pays its gas). So "already known"
        counts as sent, and the other unsure answers are settled by asking the node for the hash: one
        it has was sent; one it does not have and never answered is sent again once, as the same
        bytes (the node cannot take it twice). A look-up the node refuses or does not answer settles
        nothing: the answer stays what it was (a transaction nobody answered for counts as not sent),
        and the transactions the node did accept are kept either way."""
        answers = self._send_raw([raw for _, raw, _ in signed])
        for resend in (True, False):
            for k, answer in enumerate(answers):
                if isinstance(answer, NodeError) and ALREADY_KNOWN in answer.message.lower():
                    answers[k] = signed[k][2]
            unsure = [k for k, answer in enumerate(answers) if _unsure(answer)]
            if not unsure:
                break
            lost = []
            for k, found in zip(unsure, self._known([signed[k][2] for k in unsure]), strict=True):
                if found:
                    answers[k] = signed[k][2]
                elif answers[k] is None or answers[k].code is None:  # type: ignore[union-attr]
                    lost.append(k)
            if resend and lost:
                log.warning("relayer: %d transactions' answers were lost on the way; sending them again", len(lost))
                for k, answer in zip(lost, self._send_raw([signed[k][1] for k in lost]), strict=True):
                    answers[k] = answer
            else:
                for k in lost:
                    answers[k] = NodeError("eth_sendRawTransaction", None, "the node did not take it")
        return [a if a is not None else NodeError("eth_sendRawTransaction", None, "not sent") for a in answers]

    def _known(self, hashes: list[str]) -> list[bool]:
        """Whether the node has each transaction (pending or mined); False where it cannot say."""
        try:
            found = self.chain.rpc.batch_results([("eth_getTransactionByHash", [h]) for h in hashes])
        except (ChainUnavailable, NodeError) as exc:
            log.warning("relayer: could not ask the node about %d transactions: %s", len(hashes), exc)
            return [False] * len(hashes)
        return [not isinstance(f, NodeError) and f is not None for f in found]

    def _send_raw(self, raws: list[str]) -> list[str | NodeError | None]:
        """The node's answer to each raw transaction, or None for each when no answer came at all."""
        try:
            return list(self.chain.rpc.batch_results([("eth_sendRawTransaction", [raw]) for raw in raws]))
        except ChainUnavailable as exc:
            log.warning("relayer: the broadcast of %d transactions got no answer (%s); asking the node", len(raws), exc)
            return [None] * len(raws)

    def _sign(self, data: str, gas: int, price: int, nonce: int) -> tuple[str, str]:
        """The signed raw transaction (0x-hex) calling the coin with `data`, and its hash."""
        return sign_legacy(
            self._secret,
            chain_id=self.chain.chain_id,
            nonce=nonce,
            gas_price=price,
            gas=int(gas * GAS_HEADROOM),
            to=self._coin_bytes,
            data=bytes.fromhex(data.removeprefix("0x")),
        )

    def _lock_row(self, session: Session) -> RelayerNonce:
        query = (
            select(RelayerNonce)
            .where(RelayerNonce.address == self.address, RelayerNonce.chain_id == self.chain.chain_id)
            .with_for_update()
        )
        row = session.scalars(query).one_or_none()
        if row is not None:
            return row
        try:
            with session.begin_nested():
                session.add(RelayerNonce(address=self.address, chain_id=self.chain.chain_id, next_nonce=0))
        except IntegrityError:
            pass  # another process created it first; lock theirs
        return session.scalars(query).one()

    def _next_nonce(self, row: RelayerNonce) -> int:
        """The node's pending count; the row's `next_nonce` when that is ahead and the node seems only
        to lag behind our last send (see the module docstring for when it is not believed)."""
        pending = self._pending()
        if row.next_nonce <= pending:
            self._behind = None
            return pending
        age = time.time() - row.updated_at.timestamp() if row.updated_at else self.stale_after
        if age >= self.stale_after or self._lost(pending) or self._stuck(pending):
            log.warning(
                "relayer: the node counts %d transactions, the row %d; transactions were dropped, using %d",
                pending, row.next_nonce, pending,
            )
            self._behind = None
            return pending
        return row.next_nonce

    def _lost(self, nonce: int) -> bool:
        """Whether the relay this process sent with `nonce` is unknown to the node (neither pending
        nor mined). False when this process did not send it (another process, or long ago)."""
        with self._sent_lock:
            tx_hash = self._sent.get(nonce)
        return tx_hash is not None and self._rpc("eth_getTransactionByHash", [tx_hash]) is None

    def _stuck(self, pending: int) -> bool:
        """Whether the node's count has stayed at `pending`, behind the row, for `stale_after`
        seconds (as seen by this process): a lagging node catches up within moments."""
        now = self._clock()
        if self._behind is None or self._behind[0] != pending:
            self._behind = (pending, now)
        return now - self._behind[1] >= self.stale_after

    def _remember(self, nonce: int, tx_hash: str) -> None:
        with self._sent_lock:
            self._sent[nonce] = tx_hash
            self._sent.move_to_end(nonce)
            while len(self._sent) > REMEMBERED_SENDS:
                self._sent.popitem(last=False)

    def _pending(self) -> int:
        return int(self._rpc("eth_getTransactionCount", [self.address, "pending"]), 16)

    def _price(self) -> int:
        # One gas-price look-up a second is plenty; it saves a round trip per relay.
        fetched_at, price = self._gas_price
        if time.monotonic() - fetched_at > 1.0:
            price = int(self._rpc("eth_gasPrice", []), 16)
            self._gas_price = (time.monotonic(), price)
        return price
