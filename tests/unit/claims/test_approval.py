"""Claims up to approval, and the yearly cap (DESIGN invariant 4), against an in-memory database."""

import pytest

from backend.claims import service as claims
from backend.errors import AlreadyClaimed, ClaimStateConflict, TaskFull, TaskNotOpen, YearlyCapExceeded
from backend.rewards.models import Reward
from backend.tasks import service as tasks
from tests.support.unit import unit_settings
from tests.unit.helpers import OPERATOR, citizen, new_task, submitted_claim


def test_approval_writes_one_pending_reward_of_the_task_amount(runtime, session):
    who = citizen()
    claim = submitted_claim(session, new_task(session), who)

    approved, reward = claims.approve(session, runtime.settings, claim_id=claim.id, operator=OPERATOR)

    assert approved.status == "approved"
    assert (reward.citizen, reward.amount_units, reward.status) == (who, 1500, "pending")


def test_a_claim_without_proof_cannot_be_approved(runtime, session):
    claim = claims.claim_task(session, unit_settings(), task_id=new_task(session), citizen=citizen())

    with pytest.raises(ClaimStateConflict):
        claims.approve(session, runtime.settings, claim_id=claim.id, operator=OPERATOR)


def test_approval_up_to_the_cap_exactly_is_allowed(session):
    settings = unit_settings(yearly_cap="30.00")
    who = citizen()
    for _ in range(2):
        claim = submitted_claim(session, new_task(session), who)
        claims.approve(session, settings, claim_id=claim.id, operator=OPERATOR)

    assert sum(r.amount_units for r in session.query(Reward)) == 3000


def test_approval_past_the_yearly_cap_is_refused_and_writes_no_reward(session):
    settings = unit_settings(yearly_cap="20.00")
    who = citizen()
    first = submitted_claim(session, new_task(session), who)
    claims.approve(session, settings, claim_id=first.id, operator=OPERATOR)
    second = submitted_claim(session, new_task(session), who)

    with pytest.raises(YearlyCapExceeded) as refused:
        claims.approve(session, settings, claim_id=second.id, operator=OPERATOR)

    assert refused.value.code == "yearly_cap_exceeded"
    assert session.query(Reward).count() == 1


def test_the_cap_is_per_citizen(session):
    settings = unit_settings(yearly_cap="15.00")
    for who in (citizen(), citizen()):
        claim = submitted_claim(session, new_task(session), who)
        claims.approve(session, settings, claim_id=claim.id, operator=OPERATOR)

    assert session.query(Reward).count() == 2


def test_a_failed_reward_does_not_count_towards_the_cap(session):
    settings = unit_settings(yearly_cap="15.00")
    who = citizen()
    first = submitted_claim(session, new_task(session), who)
    _, reward = claims.approve(session, settings, claim_id=first.id, operator=OPERATOR)
    reward.status = "failed"
    second = submitted_claim(session, new_task(session), who)

    claims.approve(session, settings, claim_id=second.id, operator=OPERATOR)

    assert session.query(Reward).count() == 2


def test_last_years_rewards_do_not_count_towards_this_years_cap(session):
    settings = unit_settings(yearly_cap="15.00")
    who = citizen()
    first = submitted_claim(session, new_task(session), who)
    _, reward = claims.approve(session, settings, claim_id=first.id, operator=OPERATOR)
    reward.year -= 1
    second = submitted_claim(session, new_task(session), who)

    claims.approve(session, settings, claim_id=second.id, operator=OPERATOR)

    assert session.query(Reward).count() == 2


def test_a_citizen_claims_a_task_once(session):
    task_id, who = new_task(session), citizen()
    claims.claim_task(session, unit_settings(), task_id=task_id, citizen=who)

    with pytest.raises(AlreadyClaimed):
        claims.claim_task(session, unit_settings(), task_id=task_id, citizen=who)


def test_a_full_task_takes_no_more_claims(session):
    task_id = new_task(session, capacity=1)
    claims.claim_task(session, unit_settings(), task_id=task_id, citizen=citizen())

    with pytest.raises(TaskFull):
        claims.claim_task(session, unit_settings(), task_id=task_id, citizen=citizen())


def test_a_closed_task_takes_no_claims(session):
    task_id = new_task(session)
    tasks.close_task(session, task_id)

    with pytest.raises(TaskNotOpen):
        claims.claim_task(session, unit_settings(), task_id=task_id, citizen=citizen())


def test_a_rejected_claim_frees_its_place(session):
    task_id = new_task(session, capacity=1)
    claim = claims.claim_task(session, unit_settings(), task_id=task_id, citizen=citizen())

    claims.reject(session, claim_id=claim.id, operator=OPERATOR, reason="no photo of the bench")

    assert claims.claim_task(session, unit_settings(), task_id=task_id, citizen=citizen()).status == "claimed"
