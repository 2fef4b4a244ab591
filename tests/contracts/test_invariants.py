"""Stateful property test of the money invariants (DESIGN.md), on random sequences of rewards, batches,
payments, redemptions, openings/closings, merchant changes and the passing of time:
- sum of balances = totalSupply = rewarded - redeemed;
- no claimId is paid twice;
- the units minted in any span of one mint period <= the limit (the limit and period are drawn for each
  run; time jumps by seconds, by parts of a period, and to a second or two around a multiple of it);
- while closed, a transfer between two non-merchants never succeeds."""

from collections import Counter

import pytest
from brownie import accounts, chain
from brownie.exceptions import VirtualMachineError
from brownie.test import strategy
from hexbytes import HexBytes
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from localcoin_helpers import DAY, build_custom_error, claim

ACTORS = 5  # accounts[4..8]; the last two start as merchants
REF = b"\x07" * 32


def _expect(revert, call):
    """Runs `call`; returns its receipt, or asserts it reverted with exactly `revert` (when given)."""
    try:
        tx = call()
    except VirtualMachineError as exc:
        assert revert is not None, f"unexpected revert: {exc.revert_msg}"
        assert exc.revert_msg == revert
        return None
    assert revert is None, f"expected a revert: {revert}"
    return tx


def _attempt(call):
    """Runs `call`; returns (receipt or None, revert message or None, timestamp of the block it was in).
    The mint limit depends on that timestamp, which is only known once the node has mined the block."""
    height = chain.height
    try:
        tx, revert = call(), None
    except VirtualMachineError as exc:
        tx, revert = None, exc.revert_msg
    assert chain.height == height + 1, "every attempt is mined, reverted or not"
    return tx, revert, chain[-1].timestamp


ACTOR = strategy("uint8", max_value=ACTORS - 1)
AMOUNT = strategy("uint256", min_value=1, max_value=3_000_000)
SMALL = strategy("uint256", min_value=1, max_value=2_000_000)
CLAIM = strategy("uint256", max_value=520)  # crosses bitmap words 0, 1 and 2
BATCH = st.lists(st.tuples(ACTOR, SMALL, CLAIM), max_size=5)
FLAG = strategy("bool")
PERIOD = st.sampled_from([3_600, 7_201, DAY])  # 7,201 s: not a multiple of three
LIMIT = strategy("uint256", min_value=1_000_000, max_value=8_000_000)
TWELFTHS = strategy("uint256", max_value=20)  # of a period; 0 = one second
AROUND = strategy("int8", min_value=-3, max_value=3)  # seconds around a multiple of the period


class MoneyStateMachine(RuleBasedStateMachine):
    """The model: what every balance and claim must be, and every mint with its time. The chain starts
    each run from the snapshot taken by the test (a fresh coin, two merchants, transfers closed)."""

    coin = admin = minter = None
    actors: list = []
    initial_merchants: set = set()

    def __init__(self):
        super().__init__()
        chain.revert()
        self.balances = Counter()
        self.paid = Counter()  # claim number -> times paid (Rewarded events)
        self.mints = []  # (timestamp, units, limit then), in the order they were minted
        self.limit, self.period = None, None
        self.rewarded = self.redeemed = 0
        self.open = False
        self.merchants = set(self.initial_merchants)

    # -- helpers ------------------------------------------------------------------------------------------

    def _remaining(self, timestamp):
        """What the contract may mint at `timestamp`: a mint counts while its slice (a third of the
        period, rounded up) is at most three slices older than the current one."""
        slice_length = -(-self.period // 3)
        now = timestamp // slice_length
        counted = sum(units for t, units, _ in self.mints if t // slice_length >= now - 3)
        return max(self.limit - counted, 0)

    def _limit_revert(self, units, timestamp):
        if units <= self._remaining(timestamp):
            return None
        return build_custom_error(
            "LocalCoinMintLimitExceeded(uint256,uint256)", units, self._remaining(timestamp)
        )

    def _record_rewards(self, tx):
        events = tx.events["Rewarded"] if "Rewarded" in tx.events else []
        for event in events:
            number = int(HexBytes(event["claimId"]).hex(), 16)
            self.paid[number] += 1
            self.balances[event["citizen"]] += event["amount"]
            self.rewarded += event["amount"]
        if events:
            self.mints.append((tx.timestamp, sum(event["amount"] for event in events), self.limit))

    # -- rules --------------------------------------------------------------------------------------------

    @initialize(limit=LIMIT, period=PERIOD)
    def set_the_mint_limit(self, limit, period):
        self.coin.setMintLimit(limit, period, {"from": self.admin})
        self.limit, self.period = limit, period

    @rule(limit=LIMIT)
    def change_the_limit(self, limit):
        self.coin.setMintLimit(limit, self.period, {"from": self.admin})
        self.limit = limit

    @rule(who=ACTOR, amount=AMOUNT, number=CLAIM)
    def reward(self, who, amount, number):
        citizen = self.actors[who]
        tx, reverted, timestamp = _attempt(
            lambda: self.coin.reward(citizen, amount, claim(number), {"from": self.minter})
        )
        if self.paid[number]:
            assert reverted == build_custom_error("LocalCoinAlreadyRewarded(bytes32)", claim(number))
        else:
            assert reverted == self._limit_revert(amount, timestamp)
        if tx:
            self._record_rewards(tx)

    @rule(batch=BATCH)
    def reward_batch(self, batch):
        seen, total, rewarded_before = set(), 0, self.rewarded
        for _, amount, number in batch:
            if not self.paid[number] and number not in seen:
                seen.add(number)
                total += amount
        citizens = [self.actors[i] for i, _, _ in batch]
        amounts = [a for _, a, _ in batch]
        claims = [claim(n) for _, _, n in batch]
        tx, reverted, timestamp = _attempt(
            lambda: self.coin.rewardBatch(citizens, amounts, claims, {"from": self.minter})
        )
        assert reverted == self._limit_revert(total, timestamp)
        if tx:
            self._record_rewards(tx)
            assert self.rewarded - rewarded_before == total

    @rule(src=ACTOR, dst=ACTOR, amount=SMALL)
    def transfer(self, src, dst, amount):
        sender, receiver = self.actors[src], self.actors[dst]
        allowed = self.open or sender in self.merchants or receiver in self.merchants
        if not allowed:
            revert = build_custom_error("LocalCoinTransferNotAllowed(address,address)", sender, receiver)
        elif amount > self.balances[sender]:
            revert = build_custom_error(
                "ERC20InsufficientBalance(address,uint256,uint256)", sender, self.balances[sender], amount
            )
        else:
            revert = None
        if _expect(revert, lambda: self.coin.transfer(receiver, amount, {"from": sender})):
            self.balances[sender] -= amount
            self.balances[receiver] += amount

    @rule(who=ACTOR, amount=SMALL)
    def redeem(self, who, amount):
        merchant = self.actors[who]
        if merchant not in self.merchants:
            revert = build_custom_error("LocalCoinNotMerchant(address)", merchant)
        elif amount > self.balances[merchant]:
            balance = self.balances[merchant]
            revert = build_custom_error(
                "ERC20InsufficientBalance(address,uint256,uint256)", merchant, balance, amount
            )
        else:
            revert = None
        if _expect(revert, lambda: self.coin.redeem(amount, REF, {"from": merchant})):
            self.balances[merchant] -= amount
            self.redeemed += amount

    @rule(flag=FLAG)
    def open_or_close(self, flag):
        self.coin.setOpenTransfers(flag, {"from": self.admin})
        self.open = flag

    @rule(who=ACTOR, flag=FLAG)
    def set_merchant(self, who, flag):
        account = self.actors[who]
        self.coin.setMerchant(account, flag, {"from": self.admin})
        (self.merchants.add if flag else self.merchants.discard)(account)

    @rule(twelfths=TWELFTHS)
    def let_time_pass(self, twelfths):
        chain.sleep(max(self.period * twelfths // 12, 1))
        chain.mine()

    @rule(offset=AROUND)
    def go_to_around_the_next_multiple_of_the_period(self, offset):
        """Where a fixed window would turn over (the node's clock may add a second)."""
        last = chain[-1].timestamp
        target = (last // self.period + 1) * self.period + offset
        chain.sleep(max(target - last, 1))
        chain.mine()

    # -- invariants ---------------------------------------------------------------------------------------

    @invariant()
    def balances_add_up_to_supply_and_to_rewarded_minus_redeemed(self):
        on_chain = [self.coin.balanceOf(a) for a in self.actors]
        assert on_chain == [self.balances[a] for a in self.actors]
        assert sum(on_chain) == self.coin.totalSupply() == self.rewarded - self.redeemed

    @invariant()
    def no_claim_is_paid_twice(self):
        assert all(times == 1 for times in self.paid.values())

    @invariant()
    def no_span_of_one_period_mints_more_than_the_limit(self):
        """Every span of `period` seconds, ending with each mint: it and the mints before it in the
        span stay within the limit standing at that mint. (A span's sum only grows up to its last mint.)"""
        for last, (end, _, limit) in enumerate(self.mints):
            in_span = [units for t, units, _ in self.mints[: last + 1] if t > end - self.period]
            assert sum(in_span) <= limit

    @invariant()
    def the_remaining_budget_is_what_the_model_says(self):
        if self.limit is not None:  # set by the first step
            assert self.coin.mintLimitRemaining() == self._remaining(chain[-1].timestamp)


@pytest.fixture(scope="module")
def actors():
    return list(accounts[4 : 4 + ACTORS])


def test_money_invariants_hold_for_any_sequence_of_operations(coin, admin, minter, actors):
    merchants = actors[-2:]
    for merchant in merchants:
        coin.setMerchant(merchant, True, {"from": admin})
    chain.snapshot()
    MoneyStateMachine.coin, MoneyStateMachine.admin, MoneyStateMachine.minter = coin, admin, minter
    MoneyStateMachine.actors, MoneyStateMachine.initial_merchants = actors, set(merchants)

    run_state_machine_as_test(
        MoneyStateMachine,
        settings=settings(
            max_examples=15, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
