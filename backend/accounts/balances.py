"""Balances and merchant flags from the indexed chain (issue 14: `GET /accounts/{address}` asks no node).

The indexer calls `on_transfers` and `on_merchant_set` inside the transaction that records a chunk's
events, so `account_balances` and `chain_events` always commit together; `on_reorg` recomputes every
account a reorg touches from the events that stay (it runs before the indexer deletes the ones above
the fork). Mints are transfers from the zero address and burns transfers to it: the coin emits a
`Transfer` for every change of a balance, so the transfers alone give each balance.

What the chain has not confirmed yet is the pending part, read from the domains' own rows: rewards the
sender put on chain whose transaction the indexer has not recorded, payments and relayed redemptions
not yet settled by the indexer (`pending`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, select, union_all
from sqlalchemy.orm import Session

from backend.accounts.models import AccountBalance
from backend.chain.events import MERCHANT_SET, TRANSFER, ZERO_ADDRESS
from backend.db import upsert_insert
from backend.indexer.models import ChainEvent, IndexerCheckpoint
from backend.merchants.models import Merchant
from backend.payments.models import Payment
from backend.redemptions.models import Redemption
from backend.rewards.models import Reward

# Rows whose coins are on their way: counted as pending until the indexer records the chain's word.
REWARD_ON_ITS_WAY = ("sent", "confirmed")  # confirmed by the sender's receipt, not yet indexed
PAYMENT_ON_ITS_WAY = ("accepted", "sent")  # relayed (or accepted for relaying), not yet settled by the indexer
REDEMPTION_ON_ITS_WAY = ("sent",)  # a relayed burn not yet indexed
BATCH = 500  # addresses per IN (...) when recomputing


# --- the indexer's handlers ----------------------------------------------------------------------


def on_transfers(session: Session, events: list[dict[str, Any]], _settings: object = None) -> int:
    """Adds a chunk's transfers to the balances of both sides (not the zero address's)."""
    deltas: dict[str, int] = {}
    blocks: dict[str, int] = {}
    for event in events:
        amount, block = int(event["amount"] or 0), int(event["block_number"])
        for address, sign in ((event["account"], -1), (event["counterparty"], 1)):
            if address and address != ZERO_ADDRESS:
                deltas[address] = deltas.get(address, 0) + sign * amount
                blocks[address] = max(blocks.get(address, 0), block)
    if not deltas:
        return 0
    upsert = upsert_insert(session.get_bind().dialect.name)(AccountBalance)
    statement = upsert.on_conflict_do_update(
        index_elements=[AccountBalance.address],
        set_={
            "balance": AccountBalance.balance + upsert.excluded.balance,
            "block_number": upsert.excluded.block_number,
        },
    )
    rows = [
        {"address": a, "balance": deltas[a], "is_merchant": False, "block_number": blocks[a]} for a in sorted(deltas)
    ]  # one order for every writer: no deadlock between two indexers on PostgreSQL
    session.execute(statement, rows)
    return 0  # balances are not domain records the indexer reports


def on_merchant_set(session: Session, events: list[dict[str, Any]], _settings: object = None) -> int:
    """The last `MerchantSet` of each account in the chunk decides its flag."""
    latest: dict[str, tuple[bool, int]] = {}
    for event in sorted(events, key=lambda e: (e["block_number"], e["log_index"])):
        latest[event["account"]] = (bool(event["accepted"]), int(event["block_number"]))
    if not latest:
        return 0
    upsert = upsert_insert(session.get_bind().dialect.name)(AccountBalance)
    statement = upsert.on_conflict_do_update(
        index_elements=[AccountBalance.address],
        set_={"is_merchant": upsert.excluded.is_merchant, "block_number": upsert.excluded.block_number},
    )
    rows = [
        {"address": a, "balance": 0, "is_merchant": latest[a][0], "block_number": latest[a][1]} for a in sorted(latest)
    ]
    session.execute(statement, rows)
    return 0


def on_reorg(session: Session, fork: int) -> tuple[int, int]:
    """Recomputes every account with a transfer or merchant event above `fork` from the events at or
    below it (the indexer calls this before it deletes the events above the fork)."""
    above = ChainEvent.block_number > fork
    kinds = ChainEvent.kind.in_((TRANSFER, MERCHANT_SET))
    touched = set(session.scalars(select(ChainEvent.account).where(above, kinds).distinct()))
    touched |= set(
        session.scalars(select(ChainEvent.counterparty).where(above, ChainEvent.kind == TRANSFER).distinct())
    )
    touched.discard(None)  # type: ignore[arg-type]
    touched.discard(ZERO_ADDRESS)
    recompute(session, sorted(touched), through=fork)
    return 0, 0


# --- recomputing from chain_events (reorgs, `check`) ---------------------------------------------


def computed(
    session: Session, addresses: Collection[str] | None = None, *, through: int | None = None
) -> dict[str, tuple[int, bool, int]]:
    """(balance, is_merchant, last block) per account from `chain_events` (at or below `through`), for
    `addresses` (all accounts when None). Accounts without events are left out."""
    result: dict[str, tuple[int, bool, int]] = {}
    groups: Iterable[list[str] | None] = (
        [None] if addresses is None else [list(addresses)[i : i + BATCH] for i in range(0, len(addresses), BATCH)]
    )
    for group in groups:
        for address, units, block in _sums(session, group, through):
            result[address] = (int(units or 0), False, int(block))
        for address, accepted, block in _merchant_flags(session, group, through):
            units, _, last = result.get(address, (0, False, 0))
            result[address] = (units, bool(accepted), max(last, int(block)))
    return result


def _filters(column: Any, group: list[str] | None, through: int | None, kind: str) -> list[Any]:
    terms = [ChainEvent.kind == kind]
    if group is not None:
        terms.append(column.in_(group))
    if through is not None:
        terms.append(ChainEvent.block_number <= through)
    return terms


def _sums(session: Session, group: list[str] | None, through: int | None) -> list[Any]:
    received = select(
        ChainEvent.counterparty.label("address"), ChainEvent.amount.label("delta"), ChainEvent.block_number
    ).where(*_filters(ChainEvent.counterparty, group, through, TRANSFER))
    sent = select(
        ChainEvent.account.label("address"), (-ChainEvent.amount).label("delta"), ChainEvent.block_number
    ).where(*_filters(ChainEvent.account, group, through, TRANSFER))
    moves = union_all(received, sent).subquery()
    return list(
        session.execute(
            select(moves.c.address, func.sum(moves.c.delta), func.max(moves.c.block_number))
            .where(moves.c.address != ZERO_ADDRESS)
            .group_by(moves.c.address)
        )
    )


def _merchant_flags(session: Session, group: list[str] | None, through: int | None) -> list[Any]:
    rows = session.execute(
        select(ChainEvent.account, ChainEvent.accepted, ChainEvent.block_number)
        .where(*_filters(ChainEvent.account, group, through, MERCHANT_SET))
        .order_by(ChainEvent.block_number, ChainEvent.log_index)
    )
    latest: dict[str, tuple[Any, Any]] = {}
    for address, accepted, block in rows:
        latest[address] = (accepted, block)
    return [(address, accepted, block) for address, (accepted, block) in latest.items()]


def recompute(session: Session, addresses: list[str], *, through: int | None = None) -> None:
    """Replaces the rows of `addresses` by what `chain_events` says (at or below `through`)."""
    if not addresses:
        return
    fresh = computed(session, addresses, through=through)
    for i in range(0, len(addresses), BATCH):
        session.execute(delete(AccountBalance).where(AccountBalance.address.in_(addresses[i : i + BATCH])))
    if fresh:
        session.execute(
            insert(AccountBalance),
            [
                {"address": a, "balance": units, "is_merchant": merchant, "block_number": block}
                for a, (units, merchant, block) in sorted(fresh.items())
            ],
        )


def differences(session: Session) -> dict[str, tuple[tuple[int, bool] | None, tuple[int, bool] | None]]:
    """Accounts whose row disagrees with a full recount from `chain_events`: address -> (row, recount)."""
    stored = {
        address: (int(units), bool(merchant))
        for address, units, merchant in session.execute(
            select(AccountBalance.address, AccountBalance.balance, AccountBalance.is_merchant)
        )
    }
    counted = {address: (units, merchant) for address, (units, merchant, _) in computed(session).items()}
    return {
        address: (stored.get(address), counted.get(address))
        for address in stored.keys() | counted.keys()
        if stored.get(address, (0, False)) != counted.get(address, (0, False))
    }


# --- the read path -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """What `GET /accounts/{address}` shows: the confirmed part as of `block` (the indexer's checkpoint)
    and what is on its way in and out."""

    confirmed: int
    on_chain_merchant: bool
    registered_merchant: bool  # an active registry row (the city's intent)
    block: int | None
    pending_in: int
    pending_out: int

    @property
    def is_merchant(self) -> bool:
        """The rule of backend.merchants.service.is_merchant (the city's intent and the chain's word),
        with the chain's word as indexed."""
        return self.registered_merchant and self.on_chain_merchant

    @property
    def balance(self) -> int:
        """What the account holds once what is on its way has landed (never below zero)."""
        return max(self.confirmed + self.pending_in - self.pending_out, 0)


_ADDRESS: Any = bindparam("address")
_CONTRACT: Any = bindparam("contract")
_SINCE_YEAR: Any = bindparam("since_year")


def _standing_query() -> Any:
    """One SELECT of scalar subqueries: one round trip, no entities, every lookup by an index."""
    row = select(AccountBalance.balance, AccountBalance.is_merchant).where(AccountBalance.address == _ADDRESS)
    reward_indexed = exists().where(ChainEvent.tx_hash == Reward.tx_hash)
    rewards = select(func.coalesce(func.sum(Reward.amount_units), 0)).where(
        Reward.citizen == _ADDRESS,
        Reward.year >= _SINCE_YEAR,  # ix_rewards_citizen_year; a reward a year old is indexed long since
        Reward.status.in_(REWARD_ON_ITS_WAY),
        ~and_(Reward.tx_hash.is_not(None), reward_indexed),
    )
    paid_in = select(func.coalesce(func.sum(Payment.value), 0)).where(
        Payment.to_address == _ADDRESS, Payment.status.in_(PAYMENT_ON_ITS_WAY)
    )
    paid_out = select(func.coalesce(func.sum(Payment.value), 0)).where(
        Payment.from_address == _ADDRESS, Payment.status.in_(PAYMENT_ON_ITS_WAY)
    )
    burning = select(func.coalesce(func.sum(Redemption.amount), 0)).where(
        Redemption.merchant == _ADDRESS, Redemption.status.in_(REDEMPTION_ON_ITS_WAY)
    )
    registered = select(Merchant.active).where(Merchant.address == _ADDRESS)
    checkpoint = select(IndexerCheckpoint.block_number).where(IndexerCheckpoint.contract == _CONTRACT)
    return select(
        row.with_only_columns(AccountBalance.balance).scalar_subquery().label("confirmed"),
        row.with_only_columns(AccountBalance.is_merchant).scalar_subquery().label("on_chain_merchant"),
        registered.scalar_subquery().label("registered"),
        checkpoint.scalar_subquery().label("block"),
        rewards.scalar_subquery().label("rewards"),
        paid_in.scalar_subquery().label("paid_in"),
        paid_out.scalar_subquery().label("paid_out"),
        burning.scalar_subquery().label("burning"),
    )


_STANDING = _standing_query()


def standing(session: Session, address: str, *, contract: str, year: int) -> Standing:
    """The account's standing in one query (see `Standing`); `year` is this year (of the yearly cap)."""
    row = session.execute(_STANDING, {"address": address, "contract": contract, "since_year": year - 1}).one()
    return Standing(
        confirmed=int(row.confirmed or 0),
        on_chain_merchant=bool(row.on_chain_merchant),
        registered_merchant=bool(row.registered),
        block=None if row.block is None else int(row.block),
        pending_in=int(row.rewards) + int(row.paid_in),
        pending_out=int(row.paid_out) + int(row.burning),
    )
