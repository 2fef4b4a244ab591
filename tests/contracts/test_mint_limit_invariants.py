"""Property test of the mint limit alone: over random sequences of rewards, batches, limit changes and
time jumps (by seconds, by parts of a period, and to a second or two around a multiple of the period or of
a slice, where a fixed window would turn over), the units minted in any span of one period never exceed
the limit, and the contract refuses a mint exactly when the model says it must.

Each example is a whole sequence of at least a dozen steps (a state machine mostly draws short runs,
and every step here costs a transaction)."""

from brownie import accounts, chain
from brownie.exceptions import VirtualMachineError
from brownie.test import given
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from localcoin_helpers import DAY, build_custom_error, claim

PERIOD = st.sampled_from([3_600, 7_201, DAY])  # 7,201 s: not a multiple of three
LIMIT = st.integers(min_value=100, max_value=10_000)
UNITS = st.integers(min_value=1, max_value=4_000)
SECONDS = st.integers(min_value=1, max_value=120)
TWELFTHS = st.integers(min_value=1, max_value=20)  # of a period
AROUND = st.integers(min_value=-3, max_value=3)  # seconds around a boundary
STEP = st.one_of(
    st.tuples(st.just("reward"), UNITS),
    st.tuples(st.just("reward_batch"), st.lists(UNITS, min_size=2, max_size=4)),
    st.tuples(st.just("spend_what_is_left_then_reward"), UNITS),
    st.tuples(st.just("change_the_limit"), LIMIT),
    st.tuples(st.just("let_seconds_pass"), SECONDS),
    st.tuples(st.just("let_part_of_a_period_pass"), TWELFTHS),
    st.tuples(st.just("go_to_around_the_next_boundary"), AROUND, st.booleans()),
)


def _slice_length(period):
    return -(-period // 3)


class MintLimitRun:
    """One sequence against the coin, and the model: every mint with its time and the limit then."""

    def __init__(self, coin, admin, minter, citizen, limit, period):
        self.coin, self.admin, self.minter, self.citizen = coin, admin, minter, citizen
        self.mints = []  # (timestamp, units, limit then), in the order they were minted
        self.claims = iter(range(1, 10**6))
        self.coin.setMintLimit(limit, period, {"from": admin})
        self.limit, self.period = limit, period

    # -- model --------------------------------------------------------------------------------------------

    def remaining(self, timestamp):
        """A mint counts while its slice (a third of the period, rounded up) is at most three slices
        older than the current one."""
        length = _slice_length(self.period)
        counted = sum(units for t, units, _ in self.mints if t // length >= timestamp // length - 3)
        return max(self.limit - counted, 0)

    # -- steps --------------------------------------------------------------------------------------------

    def reward(self, units):
        self._mint([units])

    def reward_batch(self, units_list):
        self._mint(units_list)

    def spend_what_is_left_then_reward(self, units):
        """Spends the budget to the last unit, so the next steps run against an exhausted limit."""
        left = self.coin.mintLimitRemaining()
        if left:
            self._mint([left])
        self._mint([units])

    def change_the_limit(self, limit):
        self.coin.setMintLimit(limit, self.period, {"from": self.admin})
        self.limit = limit

    def let_seconds_pass(self, seconds):
        self._mine_at(chain[-1].timestamp + seconds)

    def let_part_of_a_period_pass(self, twelfths):
        self._mine_at(chain[-1].timestamp + self.period * twelfths // 12)

    def go_to_around_the_next_boundary(self, offset, of_slice):
        """The next multiple of the period (where a fixed window turns over) or of a slice."""
        step = _slice_length(self.period) if of_slice else self.period
        self._mine_at((chain[-1].timestamp // step + 1) * step + offset)

    # -- invariants ---------------------------------------------------------------------------------------

    def check(self):
        self.no_span_of_one_period_mints_more_than_the_limit()
        assert self.coin.mintLimitRemaining() == self.remaining(chain[-1].timestamp)

    def no_span_of_one_period_mints_more_than_the_limit(self):
        """Every span of `period` seconds ending with a mint: it and the mints before it in the span stay
        within the limit standing at that mint. (A span's sum only grows up to its last mint.)"""
        for last, (end, _, limit) in enumerate(self.mints):
            in_span = [units for t, units, _ in self.mints[: last + 1] if t > end - self.period]
            assert sum(in_span) <= limit

    # -- helpers ------------------------------------------------------------------------------------------

    def _mint(self, units_list):
        """Rewards one fresh claim per entry in one transaction; checks the outcome against the model at
        the timestamp of the block it landed in (known only once the node has mined it)."""
        claims = [claim(next(self.claims)) for _ in units_list]
        height = chain.height
        try:
            if len(units_list) == 1:
                self.coin.reward(self.citizen, units_list[0], claims[0], {"from": self.minter})
            else:
                citizens = [self.citizen] * len(units_list)
                self.coin.rewardBatch(citizens, units_list, claims, {"from": self.minter})
            reverted = None
        except VirtualMachineError as exc:
            reverted = exc.revert_msg
        assert chain.height == height + 1, "every attempt is mined, reverted or not"
        timestamp, total = chain[-1].timestamp, sum(units_list)
        remaining = self.remaining(timestamp)
        if total > remaining:
            assert reverted == build_custom_error(
                "LocalCoinMintLimitExceeded(uint256,uint256)", total, remaining
            )
        else:
            assert reverted is None, f"unexpected revert: {reverted}"
            self.mints.append((timestamp, total, self.limit))

    @staticmethod
    def _mine_at(target):
        last = chain[-1].timestamp
        chain.sleep(max(target - last, 1))
        chain.mine()


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(limit=LIMIT, period=PERIOD, steps=st.lists(STEP, min_size=12, max_size=16))
def test_the_mint_limit_holds_over_any_span_of_one_period(coin, admin, minter, limit, period, steps):
    sequence = MintLimitRun(coin, admin, minter, accounts[4], limit, period)
    for name, *args in steps:
        getattr(sequence, name)(*args)
        sequence.check()
