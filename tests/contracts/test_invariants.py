"""Stateful property test of the money invariants (DESIGN.md), on random sequences of rewards, batches,
payments, redemptions, openings/closings, merchant changes and the passing of time:
- sum of balances = totalSupply = rewarded - redeemed;
- no claimId is paid twice;
- minted per mint window <= the limit;
- while closed, a transfer between two non-merchants never succeeds."""

from collections import Counter, defaultdict

import pytest
from brownie import accounts, chain
from brownie.exceptions import VirtualMachineError
from brownie.test import strategy
from hexbytes import HexBytes
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from localcoin_helpers import DAY, DEFAULT_MINT_LIMIT, build_custom_error, claim

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


ACTOR = strategy("uint8", max_value=ACTORS - 1)
AMOUNT = strategy("uint256", min_value=1, max_value=3_000_000)
SMALL = strategy("uint256", min_value=1, max_value=2_000_000)
CLAIM = strategy("uint256", max_value=520)  # crosses bitmap words 0, 1 and 2
BATCH = st.lists(st.tuples(ACTOR, SMALL, CLAIM), max_size=5)
FLAG = strategy("bool")
HOURS = strategy("uint256", min_value=1, max_value=30)


class MoneyStateMachine(RuleBasedStateMachine):
    """The model: what every balance, claim and mint window must be. The chain starts each run from the
    snapshot taken by the test (a fresh coin, two merchants, transfers closed)."""

    coin = admin = minter = None
    actors: list = []
    initial_merchants: set = set()

    def __init__(self):
        super().__init__()
        chain.revert()
        self.balances = Counter()
        self.paid = Counter()  # claim number -> times paid (Rewarded events)
        self.minted_per_window = defaultdict(int)
        self.rewarded = self.redeemed = 0
        self.open = False
        self.merchants = set(self.initial_merchants)

    # -- helpers ------------------------------------------------------------------------------------------

    def _remaining(self):
        # The last block's window (let_time_pass mines one): the node's clock, not brownie's chain.time().
        return max(DEFAULT_MINT_LIMIT - self.minted_per_window[chain[-1].timestamp // DAY], 0)

    def _record_rewards(self, tx):
        for event in tx.events["Rewarded"] if "Rewarded" in tx.events else []:
            number = int(HexBytes(event["claimId"]).hex(), 16)
            self.paid[number] += 1
            self.balances[event["citizen"]] += event["amount"]
            self.rewarded += event["amount"]
            self.minted_per_window[tx.timestamp // DAY] += event["amount"]

    # -- rules --------------------------------------------------------------------------------------------

    @rule(who=ACTOR, amount=AMOUNT, number=CLAIM)
    def reward(self, who, amount, number):
        citizen = self.actors[who]
        if self.paid[number]:
            revert = build_custom_error("LocalCoinAlreadyRewarded(bytes32)", claim(number))
        elif amount > self._remaining():
            revert = build_custom_error(
                "LocalCoinMintLimitExceeded(uint256,uint256)", amount, self._remaining()
            )
        else:
            revert = None
        tx = _expect(revert, lambda: self.coin.reward(citizen, amount, claim(number), {"from": self.minter}))
        if tx:
            self._record_rewards(tx)

    @rule(batch=BATCH)
    def reward_batch(self, batch):
        seen, total, rewarded_before = set(), 0, self.rewarded
        for _, amount, number in batch:
            if not self.paid[number] and number not in seen:
                seen.add(number)
                total += amount
        revert = None
        if total > self._remaining():
            revert = build_custom_error(
                "LocalCoinMintLimitExceeded(uint256,uint256)", total, self._remaining()
            )
        citizens = [self.actors[i] for i, _, _ in batch]
        amounts = [a for _, a, _ in batch]
        claims = [claim(n) for _, _, n in batch]
        tx = _expect(revert, lambda: self.coin.rewardBatch(citizens, amounts, claims, {"from": self.minter}))
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

    @rule(hours=HOURS)
    def let_time_pass(self, hours):
        chain.sleep(hours * 3600)
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
    def no_window_mints_more_than_the_limit(self):
        assert all(minted <= DEFAULT_MINT_LIMIT for minted in self.minted_per_window.values())
        assert self.coin.mintLimitRemaining() <= DEFAULT_MINT_LIMIT


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
