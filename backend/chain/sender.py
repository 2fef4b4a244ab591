"""The persistent transaction sender: the one way the backend's minter key writes to the chain.

Domains do not send transactions themselves. They expose a *source* of work and the sender turns
it into transactions, one key, one nonce sequence, one lock. The sources are handed to the sender
by the wiring (`backend.wiring.SENDER_SOURCES`, served in that order); this module imports no domain.

A source is a class built with the Runtime (`Source(runtime)`) that satisfies `TxSource`:

- `kind` (str): a short name stored on each `chain_txs` row ("reward", "merchant").
- `collect(session, limit) -> list[Job]`: up to `limit` jobs ready to send now. A `Job` is one
  transaction: the coin function's name, its arguments (as web3 takes them) and `refs`, the
  source's own JSON-able ids of what the transaction does (claim numbers, merchant addresses).
  Collect must not return refs that are attached to a live transaction.
- `attach(session, refs, tx)`: called in the same database transaction that stores the
  `ChainTx` row (nonce allocated, signed, not yet broadcast): mark the refs as sent in `tx`.
- `release(session, refs, reason)`: the job was not sent because gas estimation reverted (e.g.
  paused, or over the mint limit): the refs go back to waiting; `reason` says why. Nothing reached
  the chain. (A transaction the node refuses after it was stored keeps its nonce and stays pending,
  with the node's answer in `chain_txs.error`; the sender broadcasts it again on later ticks.)
- `settle(session, refs, outcome)`: the transaction was mined `settings.confirmations` deep
  (`outcome.status == "confirmed"`) or reverted / was displaced (`"failed"`, with `outcome.error`).
  `outcome.receipt` is the node's raw JSON receipt (hex strings: "status", "blockNumber", "logs"
  with "topics"), or None when the transaction was displaced.
- `reconcile(session)`: called once when the sender starts, after the sender has settled what it
  could from its own `chain_txs` rows: compare the source's waiting refs with the chain (e.g.
  the `Rewarded` events already paid for the claims it waits to pay) so nothing is done twice and
  nothing is forgotten.

Every method runs inside a database transaction the sender opens and commits; sources only read
and write their own tables through the given session and ask `runtime.chain` plain questions.

Order of a tick: (1) progress live transactions: receipts, confirmations, settle; re-broadcast a
stored but unsent one; replace a stuck one (`settings.stuck_tx_seconds`) with fees raised by 12.5%
(the node needs 10%); (2) collect new jobs from each source in order, estimate gas, allocate a
nonce, sign, store the row and attach the refs in one commit, then broadcast. See
`backend.chain.ledger` for the ledger and the lock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, Protocol, cast

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_typing import ABIFunction, ChecksumAddress
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from backend.chain.artifacts import coin_abi
from backend.chain.client import CONNECTION_ERRORS, Chain, chain_call, connect
from backend.chain.deployment import Deployment
from backend.chain.ledger import LIVE, ChainTx, SenderLock, next_nonce
from backend.db import transaction, utcnow
from backend.errors import ChainUnavailable
from backend.settings import Settings

log = logging.getLogger("heitje.sender")

MAX_IN_FLIGHT = 64  # live transactions per key; a node keeps far more queued per sender
FEE_BUMP_NUM, FEE_BUMP_DEN = 9, 8  # replacement fees x 1.125 (nodes need at least +10%)
GAS_MARGIN_NUM, GAS_MARGIN_DEN = 6, 5
KNOWN_ANSWERS = ("already known", "nonce too low", "already imported")


@dataclass(frozen=True)
class Job:
    """One transaction a source wants sent: `function(*args)` on the coin, settling `refs`."""

    function: str
    args: tuple[Any, ...]
    refs: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """How a transaction ended: confirmed (mined, status 1, deep enough) or failed (with why).
    `receipt` is the node's raw JSON receipt (hex strings), not web3's formatted one."""

    status: Literal["confirmed", "failed"]
    tx_hash: str | None = None
    block_number: int | None = None
    error: str | None = None
    receipt: Any = None


class NodeRefused(Exception):
    """The node answered a JSON-RPC call with an error (as opposed to not answering)."""


class TxSource(Protocol):
    kind: str

    def collect(self, session: Session, limit: int) -> list[Job]: ...

    def attach(self, session: Session, refs: list[Any], tx: ChainTx) -> None: ...

    def release(self, session: Session, refs: list[Any], reason: str) -> None: ...

    def settle(self, session: Session, refs: list[Any], outcome: Outcome) -> None: ...

    def reconcile(self, session: Session) -> None: ...


class SenderRuntime(Protocol):
    """What the sender needs of the process (backend.runtime.Runtime has it; the sender does not
    import it, so the chain package stays below the runtime)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def deployment(self) -> Deployment: ...

    @property
    def chain(self) -> Chain: ...


def revert_reason(exc: Exception, abi: list[dict[str, Any]]) -> str:
    """A readable reason for a revert: the custom error's name (decoded with the coin's ABI), or the
    message."""
    data = getattr(exc, "data", None) or (exc.args[0] if exc.args else "")
    if isinstance(exc, ContractCustomError) and isinstance(data, str) and data.startswith("0x"):
        selector = data[:10]
        for item in abi:
            if item.get("type") == "error":
                signature = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
                if Web3.keccak(text=signature)[:4].hex().removeprefix("0x") == selector[2:]:
                    return item["name"]
    return str(getattr(exc, "message", None) or exc)[:500]


def rpc_error_reason(error: Any, abi: list[dict[str, Any]]) -> str:
    """A readable reason from a JSON-RPC error object: the coin's custom error name when its data
    carries one, else the node's message."""
    if not isinstance(error, dict):
        return str(error or "no answer")[:500]
    data = error.get("data")
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        for item in abi:
            if item.get("type") == "error":
                signature = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
                if Web3.keccak(text=signature)[:4].hex().removeprefix("0x") == data[2:10]:
                    return str(item["name"])
    return str(error.get("message", error))[:500]


class TxSender:
    """Sends every source's jobs from one key. A worker (`name`, `tick`, `close`) for backend.workers."""

    def __init__(
        self, runtime: SenderRuntime, key: str, sources: Sequence[TxSource], name: str = "tx-sender"
    ) -> None:
        self.runtime = runtime
        self.name = name
        self.account = Account.from_key(key)
        self.address: ChecksumAddress = self.account.address
        self.coin_address: ChecksumAddress = Web3.to_checksum_address(runtime.deployment.address)
        self.sources = {source.kind: source for source in sources}
        self.lock = SenderLock(runtime.engine, self.address)
        self._started_on: int | None = None  # the lock's `acquisitions` when this sender last started
        self._warned_busy = False
        # The sender's own connection, without the middlewares that cost a round trip (or heavy
        # formatting) per call: it only sends raw transactions and reads plain values.
        self.w3 = connect(runtime.settings.effective_rpc_url)
        for name in ("validation", "ens_name_to_address", "gas_price_strategy", "gas_estimate"):
            try:
                self.w3.middleware_onion.remove(name)
            except ValueError:
                pass
        self._functions: dict[str, ABIFunction] = {
            item["name"]: item
            for item in (cast(ABIFunction, e) for e in coin_abi() if e.get("type") == "function")
        }

    # --- the worker protocol ---------------------------------------------------------------------

    def tick(self) -> bool:
        """One round: progress live transactions, then send new ones. True when more may be waiting.
        The lock is checked every round (a PostgreSQL lock dies with its connection); a sender that
        lost it sends nothing, and one that takes it again starts over as after a restart, since
        another process may have been the sender meanwhile."""
        if not self.lock.acquire():
            if not self._warned_busy:
                log.warning("%s: another process is the sender for %s; standing by", self.name, self.address)
                self._warned_busy = True
            return False
        self._warned_busy = False
        if self._started_on != self.lock.acquisitions:
            self.progress()
            for source in self.sources.values():
                with transaction(self.runtime.sessions) as session:
                    source.reconcile(session)
            self._started_on = self.lock.acquisitions
        busy = self.progress()
        return self.send_new() or busy

    def close(self) -> None:
        self.lock.release()

    # --- chain access (connection failures become ChainUnavailable) ----------------------------

    @chain_call
    def _chain_count(self) -> int:
        return int(self.w3.eth.get_transaction_count(self.address, "latest"))

    @chain_call
    def _rpc(self, method: str, params: list[Any]) -> Any:
        """One raw JSON-RPC call (no result formatting: a batch receipt has 200 logs)."""
        response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if response.get("error"):
            raise NodeRefused(str(response["error"].get("message", response["error"])))
        return response.get("result")

    @chain_call
    def _receipts(self, hashes: list[str]) -> dict[str, dict[str, Any]]:
        """The node's raw receipts of the mined ones among `hashes`, in one batch request."""
        if not hashes:
            return {}
        responses = self.w3.provider.make_batch_request(  # type: ignore[attr-defined]
            [("eth_getTransactionReceipt", [h]) for h in hashes]
        )
        if not isinstance(responses, list):
            raise NodeRefused(str(responses.get("error", responses)))
        return {h: r["result"] for h, r in zip(hashes, responses, strict=True) if r.get("result")}

    @chain_call
    def _fees(self) -> tuple[int, int]:
        """(max fee, priority fee) in wei for a new transaction."""
        base = int(self.w3.eth.get_block("latest").get("baseFeePerGas") or 0)
        priority = int(self.w3.eth.max_priority_fee)
        return 2 * base + priority, priority

    def encode(self, function: str, args: tuple[Any, ...]) -> str:
        """Calldata for `function(*args)` on the coin (eth_abi directly: web3's formatters are slow for
        100-element arrays)."""
        item = self._functions[function]
        types = [i["type"] for i in item["inputs"]]
        selector = Web3.keccak(text=f"{function}({','.join(types)})")[:4]
        return Web3.to_hex(selector + abi_encode(types, list(args)))

    def _sign(self, row: ChainTx, max_fee: int, priority_fee: int) -> None:
        tx = {
            "type": 2,
            "chainId": self.runtime.chain.chain_id,
            "nonce": row.nonce,
            "to": row.to_address,
            "data": row.calldata,
            "value": 0,
            "gas": row.gas,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": priority_fee,
        }
        signed = self.account.sign_transaction(tx)
        row.max_fee, row.priority_fee = str(max_fee), str(priority_fee)
        row.raw_tx = Web3.to_hex(signed.raw_transaction)
        row.add_hash(Web3.to_hex(signed.hash))

    # --- (1) live transactions -------------------------------------------------------------------

    def progress(self) -> bool:
        """Settles mined transactions, re-broadcasts unsent ones, replaces stuck ones."""
        settings = self.runtime.settings
        chain_count = self._chain_count()
        latest = self.runtime.chain.latest_block()
        to_broadcast: list[tuple[int, str]] = []
        waiting = False
        with transaction(self.runtime.sessions) as session:
            rows = session.scalars(
                select(ChainTx)
                .where(ChainTx.key_address == self.address, ChainTx.status.in_(LIVE))
                .order_by(ChainTx.nonce)
            ).all()
            stuck_before = utcnow() - timedelta(seconds=settings.stuck_tx_seconds)
            receipts = self._receipts([h for row in rows for h in row.hash_list])
            for row in rows:
                receipt = next((receipts[h] for h in row.hash_list if h in receipts), None)
                if receipt is None:
                    if row.nonce < chain_count:  # the nonce went to a transaction we never signed
                        self._settle(
                            session, row, Outcome("failed", error="nonce used by another transaction")
                        )
                    elif row.status == "pending":
                        to_broadcast.append((row.id, row.raw_tx))
                    elif row.sent_at is not None and row.sent_at < stuck_before:
                        self._replace(row)
                        to_broadcast.append((row.id, row.raw_tx))
                    waiting = True
                    continue
                row.block_number = int(receipt["blockNumber"], 16)
                if latest - row.block_number + 1 < settings.confirmations:
                    waiting = True
                    continue
                self._settle(session, row, self._outcome(row, receipt))
        self._broadcast_rows(to_broadcast)
        return waiting

    def _outcome(self, row: ChainTx, receipt: dict[str, Any]) -> Outcome:
        tx_hash = str(receipt["transactionHash"])
        row.gas_used = int(receipt["gasUsed"], 16)
        if int(receipt["status"], 16) == 1:
            return Outcome("confirmed", tx_hash=tx_hash, block_number=row.block_number, receipt=receipt)
        return Outcome(
            "failed",
            tx_hash=tx_hash,
            block_number=row.block_number,
            error=self._replay_reason(row, int(receipt["blockNumber"], 16)),
            receipt=receipt,
        )

    def _replay_reason(self, row: ChainTx, block: int) -> str:
        try:
            self.w3.eth.call(
                {"from": self.address, "to": row.to_address, "data": row.calldata},  # type: ignore[typeddict-item]
                block_identifier=max(block - 1, 0),
            )
        except (ContractCustomError, ContractLogicError) as exc:
            return revert_reason(exc, coin_abi())
        except CONNECTION_ERRORS as exc:
            raise ChainUnavailable(type(exc).__name__) from exc
        except Exception as exc:  # noqa: BLE001 - the reason is informative only
            return f"reverted ({exc})"[:500]
        return "reverted"

    def _settle(self, session: Session, row: ChainTx, outcome: Outcome) -> None:
        row.status = outcome.status
        row.error = outcome.error
        if outcome.tx_hash:
            row.tx_hash = outcome.tx_hash
        source = self.sources.get(row.kind)
        if source is None:
            log.warning("%s: no source %r to settle tx %s", self.name, row.kind, row.tx_hash)
            return
        source.settle(session, row.ref_list, outcome)
        log.info(
            "%s: %s tx %s nonce %d %s%s",
            self.name,
            row.kind,
            row.tx_hash,
            row.nonce,
            outcome.status,
            f" ({outcome.error})" if outcome.error else "",
        )

    def _replace(self, row: ChainTx) -> None:
        max_fee, priority = self._fees()
        bumped_max = -(-int(row.max_fee) * FEE_BUMP_NUM // FEE_BUMP_DEN)
        bumped_priority = -(-int(row.priority_fee) * FEE_BUMP_NUM // FEE_BUMP_DEN)
        priority = max(priority, bumped_priority)
        self._sign(row, max(max_fee, bumped_max, priority), priority)
        row.status = "pending"  # a new signed transaction, not yet at the node
        log.info("%s: tx nonce %d stuck; replaced with fees +12.5%% as %s", self.name, row.nonce, row.tx_hash)

    def _broadcast_rows(self, rows: list[tuple[int, str]]) -> None:
        """Broadcasts stored transactions (in nonce order, one batch request) and marks the accepted
        ones sent. A refused one stays pending with the node's answer in `error` and keeps its nonce:
        the next ticks broadcast it again (a nonce cannot be skipped; the later ones queue behind it)."""
        if not rows:
            return
        if not self.lock.still_held():  # lost since the tick began: the rows wait for whoever holds it
            log.warning("%s: lost the sender lock for %s; not broadcasting", self.name, self.address)
            return
        answers = self._batch([("eth_sendRawTransaction", [raw]) for _, raw in rows])
        sent: list[int] = []
        for (row_id, _), (_, error) in zip(rows, answers, strict=True):
            message = str(error).lower() if error else ""
            # "already known" / "nonce too low": the node has it, or it (or its replacement) is mined.
            if not error or any(known in message for known in KNOWN_ANSWERS):
                sent.append(row_id)
            else:
                log.warning("%s: node refused tx row %d: %s", self.name, row_id, error)
                self._mark_refused(row_id, str(error))
        if sent:
            # One commit for the lot; a crash before it leaves them pending, and the next start
            # re-broadcasts them.
            with transaction(self.runtime.sessions) as session:
                session.execute(
                    update(ChainTx)
                    .where(ChainTx.id.in_(sent), ChainTx.status == "pending")
                    .values(status="sent", sent_at=utcnow(), attempts=ChainTx.attempts + 1)
                )

    @chain_call
    def _batch(self, calls: list[tuple[str, list[Any]]]) -> list[tuple[Any, Any]]:
        """Several JSON-RPC calls in one request; (result, error) for each, in order."""
        if not calls:
            return []  # an empty batch is an invalid request
        responses = self.w3.provider.make_batch_request(calls)  # type: ignore[attr-defined, arg-type]
        if not isinstance(responses, list):
            raise NodeRefused(str(responses.get("error", responses)))
        return [(r.get("result"), r.get("error")) for r in responses]

    def _mark_refused(self, row_id: int, reason: str) -> None:
        with transaction(self.runtime.sessions) as session:
            row = session.get(ChainTx, row_id)
            if row is not None:
                row.error = reason[:500]

    # --- (2) new jobs ------------------------------------------------------------------------------

    def send_new(self) -> bool:
        """Collects jobs from each source and sends them. True when a source may have more."""
        with self.runtime.sessions() as session:
            in_flight = (
                session.scalar(
                    select(func.count())
                    .select_from(ChainTx)
                    .where(ChainTx.key_address == self.address, ChainTx.status.in_(LIVE))
                )
                or 0
            )
        room = MAX_IN_FLIGHT - in_flight
        if room <= 0:
            return False
        max_fee, priority = self._fees()
        chain_count = self._chain_count()
        stored: list[tuple[int, str]] = []
        more = False
        coin = self.coin_address
        with transaction(self.runtime.sessions) as session:
            for source in self.sources.values():
                if room <= 0:
                    break
                jobs = source.collect(session, room)
                more = more or len(jobs) == room
                calldatas = [self.encode(job.function, job.args) for job in jobs]
                estimate = {"from": self.address, "to": coin}
                estimates = self._batch([("eth_estimateGas", [{**estimate, "data": c}]) for c in calldatas])
                for job, calldata, (gas, error) in zip(jobs, calldatas, estimates, strict=True):
                    if error or gas is None:
                        reason = rpc_error_reason(error, coin_abi())
                        log.warning("%s: %s %s would revert: %s", self.name, source.kind, job.function,
                                    reason)
                        source.release(session, job.refs, reason)
                        break  # the source's jobs revert right now; try again next tick
                    row = self._store(
                        session, source, job, calldata=calldata, gas=int(gas, 16),
                        chain_count=chain_count, fees=(max_fee, priority),
                    )
                    stored.append((row.id, row.raw_tx))
                    room -= 1
        self._broadcast_rows(stored)
        return more and bool(stored)

    def _store(
        self, session: Session, source: TxSource, job: Job, *, calldata: str, gas: int, chain_count: int,
        fees: tuple[int, int],
    ) -> ChainTx:
        """Allocates the nonce, signs, stores the row and attaches the refs (committed by the caller)."""
        row = ChainTx(
            key_address=self.address,
            nonce=next_nonce(session, self.address, chain_count),
            kind=source.kind,
            function=job.function,
            refs=json.dumps(job.refs),
            to_address=self.coin_address,
            calldata=calldata,
            gas=gas * GAS_MARGIN_NUM // GAS_MARGIN_DEN + 10_000,
            status="pending",
        )
        self._sign(row, *fees)
        session.add(row)
        session.flush()
        source.attach(session, job.refs, row)
        return row
