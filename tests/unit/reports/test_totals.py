"""The reports' running totals (backend.reports.totals) against a full recount, over an in-memory node
and database: whatever happens in whatever order, the totals the summary reads equal counting again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eth_abi import encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backend.claims import service as claims
from backend.db import transaction
from backend.indexer.handlers import Handlers
from backend.indexer.service import Indexer
from backend.merchants.models import Merchant
from backend.payouts import service as payouts
from backend.payouts.models import EXPORTED, Payout
from backend.reports import totals
from backend.reports.models import ReportTotal
from backend.rewards.installation import claim_ids
from backend.wiring import register_indexer_handlers
from tests.support.logs import FakeLogSource, raw_log, redeemed_log, rewarded_log, word
from tests.support.unit import UnitRuntime, unit_settings
from tests.unit.helpers import OPERATOR, citizen, new_task, submitted_claim

SHOP, CITIZEN, STRANGER = citizen(), citizen(), citizen()
DISTRICTS = ("Centrum", "Zuid", "Heerlerheide")
DAY = 86_400


def transfer_log(sender: str, to: str, amount: int, **kw: Any) -> dict[str, Any]:
    topics = [word(sender, "address"), word(to, "address")]
    return raw_log("Transfer(address,address,uint256)", topics, encode(["uint256"], [amount]), **kw)


class City:
    """An in-memory installation: a node (FakeLogSource), the indexer with every domain's handlers,
    and the services that approve claims and pay payouts. Blocks are ten days apart, so the events
    fall in several months."""

    def __init__(self) -> None:
        self.runtime = UnitRuntime(settings=unit_settings(yearly_cap="1000000.00", max_open_claims=1000))
        self.city = self.runtime.settings.city_name
        self.source = FakeLogSource()
        self.indexer = Indexer(
            self.runtime,
            source=self.source,
            settings=self.runtime.settings.model_copy(update={"confirmations": 1}),
            handlers=register_indexer_handlers(Handlers()),
        )
        self.approved: list[int] = []
        with transaction(self.runtime.sessions) as session:
            session.add(Merchant(address=SHOP, name="Bakkerij", iban="NL02ABNA0123456789", chain_status="done"))

    def _add(self, make: Any, *args: Any) -> None:
        log = self.source.add(make, *args)
        log["blockTimestamp"] = hex(1_800_000_000 + int(log["blockNumber"], 16) * 10 * DAY)

    def approve(self, district: int) -> None:
        with transaction(self.runtime.sessions) as session:
            task = new_task(session, district=DISTRICTS[district], minutes=30 + district)
            claim = submitted_claim(session, task, citizen())
            claims.approve(session, self.runtime.settings, claim_id=claim.id, operator=OPERATOR)
            self.approved.append(claim.id)

    def reward(self, which: int, amount: int) -> None:
        """A `Rewarded` for one of the approved claims (or, with none, a claim of another installation)."""
        with transaction(self.runtime.sessions) as session:
            ids = claim_ids(session)
            number = self.approved[which % len(self.approved)] if self.approved else 10**6
            claim = ids.onchain_int(number)
        self._add(rewarded_log, CITIZEN, amount, claim)

    def pay_shop(self, amount: int) -> None:
        self._add(transfer_log, CITIZEN, SHOP, amount)

    def pay_stranger(self, amount: int) -> None:
        self._add(transfer_log, CITIZEN, STRANGER, amount)

    def redeem(self, amount: int) -> None:
        self._add(redeemed_log, SHOP, amount, amount.to_bytes(32, "big"))

    def index(self) -> None:
        self.indexer.run_until_idle()

    def reorg(self, depth: int) -> None:
        self.source.reorg(max(0, self.source.head_block - depth))
        self.source.mine(depth)

    def export_and_pay(self, whole_batch: bool) -> None:
        with transaction(self.runtime.sessions) as session:
            if session.scalar(select(Payout.id).where(Payout.status == "due").limit(1)) is None:
                return
            batch = payouts.export_due(session, self.runtime.settings, operator=OPERATOR).batch
            if whole_batch:
                payouts.mark_batch_paid(session, batch.id, city=self.city)
            else:
                first = session.scalar(select(Payout.id).where(Payout.status == EXPORTED).order_by(Payout.id))
                payouts.mark_paid(session, first, city=self.city)  # type: ignore[arg-type]

    def running(self) -> dict[tuple[str, str], dict[str, int]]:
        with self.runtime.sessions() as session:
            return totals.stored(session, self.city)

    def recount(self) -> dict[tuple[str, str], dict[str, int]]:
        with self.runtime.sessions() as session:
            return totals.recount(session)


amount = st.integers(min_value=1, max_value=5_000)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), st.integers(0, 2)),
        st.tuples(st.just("reward"), st.integers(0, 50), amount),
        st.tuples(st.just("pay_shop"), amount),
        st.tuples(st.just("pay_stranger"), amount),
        st.tuples(st.just("redeem"), amount),
        st.tuples(st.just("index")),
        st.tuples(st.just("reorg"), st.integers(1, 4)),
        st.tuples(st.just("export_and_pay"), st.booleans()),
    ),
    max_size=30,
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_the_running_totals_equal_a_full_recount_after_any_sequence_of_approvals_payments_redemptions_and_reorgs(
    sequence: list[tuple[Any, ...]],
):
    city = City()
    try:
        for name, *args in sequence:
            getattr(city, name)(*args)
        city.index()

        assert city.running() == city.recount()
    finally:
        city.runtime.close()


def test_a_reorg_takes_back_the_figures_of_the_events_it_removes():
    city = City()
    city.approve(1)
    city.reward(0, 1500)
    city.index()
    city.redeem(500)
    city.pay_shop(700)
    city.index()

    city.reorg(2)
    city.index()

    figures = city.running()
    assert [f["coins_redeemed"] + f["coins_paid_to_merchants"] for f in figures.values()] == [0] * len(figures)
    assert sum(f["coins_rewarded"] for (_, district), f in figures.items() if district == "Zuid") == 1500
    city.runtime.close()


def test_a_closed_month_does_not_change_until_the_totals_are_rebuilt():
    city = City()
    with transaction(city.runtime.sessions) as session:
        totals.add(session, city.city, "2026-01", totals.ALL, tasks_done=2)
        totals.close_months(session, city.city, datetime(2026, 3, 1, tzinfo=UTC))

        assert totals.add(session, city.city, "2026-01", "Zuid", tasks_done=1) is False
        assert totals.add(session, city.city, "2026-01", totals.ALL, tasks_done=1) is False
        january = {**dict.fromkeys(totals.FIGURES, 0), "tasks_done": 2}
        assert totals.stored(session, city.city) == {("2026-01", "all"): january}

        totals.rebuild(session, city.city)  # the recount holds nothing for January: the row goes

        assert totals.stored(session, city.city) == {}
    city.runtime.close()


def test_a_month_stays_open_for_a_week_after_it_ends():
    city = City()
    with transaction(city.runtime.sessions) as session:
        totals.add(session, city.city, "2026-01", totals.ALL, tasks_done=1)

        totals.close_months(session, city.city, datetime(2026, 2, 7, tzinfo=UTC))

        assert session.scalar(select(ReportTotal.closed)) is False
        assert totals.add(session, city.city, "2026-01", totals.ALL, tasks_done=1) is True
    city.runtime.close()


def test_every_writer_takes_the_rows_of_a_month_in_one_order(monkeypatch) -> None:
    """An approval and the indexer both write a month's city row and a district's row; taken in
    opposite orders, two transactions deadlock on PostgreSQL (the db-drop drill met it)."""
    written: list[str] = []
    monkeypatch.setattr(totals, "add", lambda session, city, month, district, **figures: written.append(district))

    for district in ("Centrum", "Noord", "zuid-oost"):
        written.clear()
        totals.approved(None, "Heerlen", reviewed_at=datetime(2026, 3, 1, tzinfo=UTC), district=district, minutes=60)  # type: ignore[arg-type]
        assert written == sorted(written), f"{district}: rows written as {written}"
