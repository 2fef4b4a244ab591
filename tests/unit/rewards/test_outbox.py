"""The reward outbox against a FakeChain: batches fitted to the mint budget, and a mined batch judged
by the `Rewarded` events (confirmed only when one pays this citizen this amount, else flagged)."""

from sqlalchemy import select

from backend.chain.sender import Outcome
from backend.claims import service as claims
from backend.rewards.installation import claim_ids
from backend.rewards.models import Reward
from backend.rewards.outbox import WAITING_FOR_MINT_LIMIT, RewardSource
from tests.unit.helpers import OPERATOR, citizen, new_task, submitted_claim


def approved_rewards(runtime, session, count: int, who: str | None = None) -> list[Reward]:
    rewards = []
    for _ in range(count):
        claim = submitted_claim(session, new_task(session), who or citizen())
        rewards.append(claims.approve(session, runtime.settings, claim_id=claim.id, operator=OPERATOR)[1])
    return rewards


def test_a_batch_takes_the_rewards_that_fit_the_mint_budget_and_the_rest_wait_with_a_reason(runtime, session, chain):
    first, second, third = approved_rewards(runtime, session, 3)
    chain.mint_remaining = 3000  # two rewards of 15.00

    [job] = RewardSource(runtime).collect(session, limit=4)

    session.expire_all()  # the outbox writes with UPDATE statements
    assert job.refs == [first.claim_id, second.claim_id]
    assert job.args[2] == [claim_ids(session).onchain(r.claim_id) for r in (first, second)]
    assert session.get(Reward, third.claim_id).error == WAITING_FOR_MINT_LIMIT


def test_a_mined_batch_confirms_a_reward_its_rewarded_event_pays(runtime, session, chain):
    [reward] = approved_rewards(runtime, session, 1)
    tx = chain.reward(reward.citizen, reward.amount_units, claim_ids(session).onchain(reward.claim_id))

    RewardSource(runtime).settle(session, [reward.claim_id], Outcome("confirmed", tx, receipt=chain.receipt(tx)))

    session.expire_all()  # the outbox writes with UPDATE statements
    assert (reward.status, reward.tx_hash) == ("confirmed", tx)


def test_a_claim_id_the_chain_paid_to_another_citizen_is_flagged_with_the_evidence(runtime, session, chain):
    [reward] = approved_rewards(runtime, session, 1)
    someone_else = citizen()
    paid = chain.reward(someone_else, 1, claim_ids(session).onchain(reward.claim_id))
    ours = chain.mine()  # our batch skipped the paid id: its receipt carries no Rewarded event for it

    RewardSource(runtime).settle(session, [reward.claim_id], Outcome("confirmed", f"0x{ours:064x}", receipt={}))

    flagged = session.scalars(select(Reward).where(Reward.claim_id == reward.claim_id)).one()
    assert (flagged.status, flagged.paid_citizen, flagged.paid_units, flagged.tx_hash) == (
        "flagged", someone_else, 1, paid
    )
