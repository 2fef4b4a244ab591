"""The money invariants of DESIGN.md, checked against the chain (events read straight from the node,
not from our indexer) and the database. Each check returns a list of problems (empty = it holds)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, inspect, text
from web3 import Web3

from backend.amounts import parse_amount
from backend.chain.artifacts import coin_abi
from backend.chain.deployment import Deployment
from backend.rewards.installation import ClaimIds
from backend.rewards.service import cap_year
from backend.settings import Settings

ZERO = "0x0000000000000000000000000000000000000000"


@dataclass
class ChainView:
    """Every money event of the coin from its deployment block to `head` (the canonical chain now)."""

    head: int
    transfers: list[dict[str, Any]] = field(default_factory=list)
    rewarded: list[dict[str, Any]] = field(default_factory=list)
    redeemed: list[dict[str, Any]] = field(default_factory=list)
    total_supply: int = 0
    balances: dict[str, int] = field(default_factory=dict)  # from balanceOf, for every address seen


def read_chain(w3: Web3, deployment: Deployment) -> ChainView:
    coin = w3.eth.contract(address=deployment.address, abi=coin_abi())
    head = int(w3.eth.block_number)
    view = ChainView(head=head)
    step = 5000
    for start in range(deployment.block, head + 1, step):
        end = min(head, start + step - 1)
        span = {"from_block": start, "to_block": end}
        view.transfers += [_plain(e) for e in coin.events.Transfer().get_logs(**span)]
        view.rewarded += [_plain(e) for e in coin.events.Rewarded().get_logs(**span)]
        view.redeemed += [_plain(e) for e in coin.events.Redeemed().get_logs(**span)]
    view.total_supply = int(coin.functions.totalSupply().call(block_identifier=head))
    holders = {t["args"]["to"] for t in view.transfers} | {t["args"]["from"] for t in view.transfers}
    view.balances = {
        a: int(coin.functions.balanceOf(a).call(block_identifier=head)) for a in holders if a != ZERO
    }
    return view


def _plain(event: Any) -> dict[str, Any]:
    return {
        "args": dict(event["args"]),
        "tx_hash": "0x" + bytes(event["transactionHash"]).hex(),
        "log_index": int(event["logIndex"]),
        "block": int(event["blockNumber"]),
    }


def _table_exists(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)


def _rows(engine: Engine, sql: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def _claim_ids(engine: Engine) -> ClaimIds | None:
    """The installation's on-chain claim ids as the database records them (None before any)."""
    if not _table_exists(engine, "installation"):
        return None
    rows = _rows(engine, "SELECT claim_prefix, first_prefixed_claim FROM installation")
    if not rows:
        return None
    return ClaimIds(prefix=int(rows[0]["claim_prefix"], 16), first_prefixed_claim=int(rows[0]["first_prefixed_claim"]))


# --- 2. coins enter by reward and leave by redeem; sums agree --------------------------------------


def check_supply(view: ChainView) -> list[str]:
    problems = []
    computed: Counter[str] = Counter()
    minted = burned = 0
    for t in view.transfers:
        a = t["args"]
        if a["from"] == ZERO:
            minted += a["value"]
        else:
            computed[a["from"]] -= a["value"]
        if a["to"] == ZERO:
            burned += a["value"]
        else:
            computed[a["to"]] += a["value"]
    rewarded = sum(e["args"]["amount"] for e in view.rewarded)
    redeemed = sum(e["args"]["amount"] for e in view.redeemed)
    if sum(computed.values()) != view.total_supply:
        problems.append(
            f"sum of balances from Transfer events {sum(computed.values())} "
            f"!= totalSupply {view.total_supply}"
        )
    if rewarded - redeemed != view.total_supply:
        problems.append(f"rewarded {rewarded} - redeemed {redeemed} != totalSupply {view.total_supply}")
    if minted != rewarded:
        problems.append(
            f"minted {minted} (Transfer from 0) != rewarded {rewarded}: coins entered another way"
        )
    if burned != redeemed:
        problems.append(f"burned {burned} (Transfer to 0) != redeemed {redeemed}: coins left another way")
    for address, balance in view.balances.items():
        if computed[address] != balance:
            problems.append(f"{address}: balanceOf {balance} != {computed[address]} from Transfer events")
        if balance < 0:
            problems.append(f"{address}: negative balance {balance}")
    return problems


# --- 1. each approved claim rewarded exactly once -------------------------------------------------


def check_rewards(view: ChainView, engine: Engine, w3: Web3, deployment: Deployment) -> list[str]:
    problems = []
    by_claim = Counter(bytes(e["args"]["claimId"]) for e in view.rewarded)
    for claim_id, count in by_claim.items():
        if count > 1:
            problems.append(f"claimId {claim_id.hex()} has {count} Rewarded events")
    if not _table_exists(engine, "rewards"):
        return problems + ["table rewards is missing: cannot check claims against the chain"]
    rows = _rows(
        engine,
        "SELECT r.claim_id, r.citizen, r.amount_units, r.status, c.status AS claim_status "
        "FROM rewards r JOIN claims c ON c.id = r.claim_id",
    )
    coin = w3.eth.contract(address=deployment.address, abi=coin_abi())
    events = {bytes(e["args"]["claimId"]): e for e in view.rewarded}
    db_claims = set()
    ids = _claim_ids(engine)
    if rows and ids is None:
        return problems + ["rewards exist but the database has no installation (claim id prefix)"]
    for row in rows:
        assert ids is not None
        cid = ids.onchain(int(row["claim_id"]))
        db_claims.add(cid)
        event = events.get(cid)
        on_chain = bool(coin.functions.isRewarded(cid).call())
        if row["claim_status"] != "approved":
            problems.append(f"claim {row['claim_id']}: a reward row, but the claim is {row['claim_status']}")
        if row["status"] != "confirmed":
            problems.append(f"claim {row['claim_id']}: reward is {row['status']} (not confirmed) at the end")
        if not on_chain or event is None:
            problems.append(
                f"claim {row['claim_id']}: approved but isRewarded={on_chain}, event={event is not None}"
            )
            continue
        erased = str(row["citizen"]).startswith("erased-")  # privacy: the books keep a pseudonym, not the address
        if not erased and event["args"]["citizen"].lower() != str(row["citizen"]).lower():
            problems.append(
                f"claim {row['claim_id']}: rewarded {event['args']['citizen']}, DB says {row['citizen']}"
            )
        if int(event["args"]["amount"]) != int(row["amount_units"]):
            problems.append(
                f"claim {row['claim_id']}: rewarded {event['args']['amount']} units, "
                f"DB says {row['amount_units']}"
            )
    approved = _rows(
        engine,
        "SELECT c.id FROM claims c LEFT JOIN rewards r ON r.claim_id = c.id "
        "WHERE c.status = 'approved' AND r.claim_id IS NULL",
    )
    for row in approved:
        problems.append(f"claim {row['id']}: approved without a reward row")
    for cid in set(events) - db_claims:
        problems.append(f"claimId {cid.hex()}: Rewarded on chain but no approved claim in the database")
    return problems


# --- 3. every confirmed redemption -> exactly one payout -----------------------------------------


def check_payouts(
    view: ChainView, engine: Engine, *, confirmations: int, euro_per_coin: Decimal
) -> list[str]:
    if not _table_exists(engine, "payouts"):
        return ["table payouts is missing: cannot check redemptions against payouts"]
    problems = []
    payouts = _rows(
        engine, "SELECT tx_hash, log_index, merchant, units, amount_cents, status, reorged_at FROM payouts"
    )
    live = Counter((p["tx_hash"].lower(), int(p["log_index"])) for p in payouts if p["reorged_at"] is None)
    by_key = {(p["tx_hash"].lower(), int(p["log_index"])): p for p in payouts if p["reorged_at"] is None}
    confirmed = [e for e in view.redeemed if view.head - e["block"] + 1 >= confirmations]
    for key, count in live.items():
        if count > 1:
            problems.append(f"Redeemed {key}: {count} payouts")
    events = {(e["tx_hash"].lower(), e["log_index"]): e for e in view.redeemed}
    for event in confirmed:
        key = (event["tx_hash"].lower(), event["log_index"])
        payout = by_key.get(key)
        if payout is None:
            problems.append(
                f"Redeemed {key} ({event['args']['amount']} units) is confirmed but has no payout"
            )
            continue
        expected_cents = int(Decimal(event["args"]["amount"]) * euro_per_coin)
        if (
            int(payout["units"]) != int(event["args"]["amount"])
            or int(payout["amount_cents"]) != expected_cents
        ):
            problems.append(
                f"payout {key}: {payout['units']} units / {payout['amount_cents']} cents, "
                f"chain burned {event['args']['amount']} units (expected {expected_cents} cents)"
            )
    for key, payout in by_key.items():
        if key not in events:
            problems.append(f"payout {key} ({payout['status']}) has no Redeemed event on the canonical chain")
    return problems


# --- 4. yearly cap -------------------------------------------------------------------------------


def check_yearly_cap(view: ChainView, w3: Web3, engine: Engine, *, settings: Settings) -> list[str]:
    """Rewards paid per citizen and cap year stay within the configured cap. A reward counts in the
    cap year of its approval (the database's `rewards.year`, set by backend.rewards.service.cap_year);
    one the database does not know counts in the cap year of its block."""
    problems = []
    cap_units = parse_amount(settings.yearly_cap)
    years: dict[tuple[str, int], int] = defaultdict(int)
    stamps: dict[int, int] = {}
    ids = _claim_ids(engine)
    approval_year = (
        {int(r["claim_id"]): int(r["year"]) for r in _rows(engine, "SELECT claim_id, year FROM rewards")}
        if _table_exists(engine, "rewards")
        else {}
    )
    for e in view.rewarded:
        number = ids.number_of(bytes(e["args"]["claimId"])) if ids is not None else None
        year = approval_year.get(number) if number is not None else None
        if year is None:
            if e["block"] not in stamps:
                stamps[e["block"]] = int(w3.eth.get_block(e["block"])["timestamp"])
            year = cap_year(datetime.fromtimestamp(stamps[e["block"]], UTC), settings)
        years[(e["args"]["citizen"], year)] += int(e["args"]["amount"])
    for (citizen, year), total in years.items():
        if total > cap_units:
            problems.append(f"{citizen} was rewarded {total} units in {year}, over the cap of {cap_units}")
    return problems


def check_all(
    w3: Web3,
    deployment: Deployment,
    engine: Engine,
    *,
    confirmations: int = 1,
    euro_per_coin: Decimal = Decimal("1.00"),
    settings: Settings | None = None,
) -> tuple[dict[str, list[str]], ChainView]:
    """Every invariant; the yearly cap and its time zone come from `settings` (the drill's stack's,
    else the environment's)."""
    settings = settings or Settings.from_env()
    view = read_chain(w3, deployment)
    results = {
        "1 approved claim rewarded exactly once": check_rewards(view, engine, w3, deployment),
        "2 sum of balances = totalSupply = rewarded - redeemed": check_supply(view),
        "3 every confirmed Redeemed -> exactly one payout": check_payouts(
            view, engine, confirmations=confirmations, euro_per_coin=euro_per_coin
        ),
        "4 yearly cap never exceeded": check_yearly_cap(view, w3, engine, settings=settings),
    }
    return results, view


def report(results: dict[str, list[str]], view: ChainView) -> bool:
    """Prints one line per invariant (and its problems); returns True when all hold."""
    print(
        f"  invariants at block {view.head}: {len(view.rewarded)} Rewarded, {len(view.redeemed)} Redeemed, "
        f"{len(view.transfers)} Transfer events; totalSupply {view.total_supply} units",
        flush=True,
    )
    ok = True
    for name, problems in results.items():
        print(f"    [{'ok' if not problems else 'FAIL'}] {name}", flush=True)
        for problem in problems[:20]:
            print(f"        - {problem}", flush=True)
        if len(problems) > 20:
            print(f"        ... and {len(problems) - 20} more", flush=True)
        ok = ok and not problems
    return ok


def conclude(stack: Any, api: Any, results: dict[str, list[str]], view: ChainView) -> bool:
    """The end of every drill: notes stale reads, reports every invariant, keeps the logs on failure."""
    if api.stale_reads:
        print(
            f"  {api.stale_reads} answers of 404 / unknown nonce went away when asked again "
            "(a write acknowledged before it committed)",
            flush=True,
        )
    ok = report(results, view)
    if not ok:
        stack.keep = True
        print(f"  logs kept in {stack.dir}", flush=True)
    return ok
