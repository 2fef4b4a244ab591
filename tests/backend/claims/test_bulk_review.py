"""Bulk review (POST /claims/review): many decisions in one request, each checked and recorded exactly
as its own approve or reject route would, each refusal reported beside the others' results."""

from __future__ import annotations

import json

from eth_account import Account
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.reports.models import ReportTotal
from tests.backend.claims.helpers import Loop, rewards_by_claim, run_sender, submitted_claims, with_caps
from tests.support.accounts import DEPLOYER

REVIEW = "/api/v1/claims/review"


def review(loop: Loop, *decisions: dict, headers: dict | None = None, **extra: object):
    return loop.client.post(REVIEW, json={"decisions": list(decisions), **extra}, headers=headers or loop.operator)


def approve(claim_id: int) -> dict:
    return {"claim_id": claim_id, "decision": "approve"}


def status_of(loop: Loop, claim_id: int) -> str:
    return loop.client.get(f"/api/v1/claims/{claim_id}", headers=loop.operator).json()["status"]


def audit_actions(runtime) -> list[tuple[str, str]]:
    with runtime.sessions() as session:
        return [(e.action, e.subject) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_a_mixed_batch_approves_the_valid_claims_and_reports_each_refusal(loop: Loop, runtime, monkeypatch) -> None:
    with_caps(runtime, monkeypatch, yearly_cap="20.00")
    (one,) = submitted_claims(loop, Account.create(), 1)
    (two,) = submitted_claims(loop, Account.create(), 1)
    capped_citizen = Account.create()
    within, over_cap = submitted_claims(loop, capped_citizen, 2)
    (own,) = submitted_claims(loop, DEPLOYER, 1)  # the operator's own claim
    (rejected,) = submitted_claims(loop, Account.create(), 1)
    unknown = rejected + 1000

    response = review(
        loop,
        approve(one), approve(within), approve(over_cap), approve(own), approve(unknown), approve(two),
        {"claim_id": rejected, "decision": "reject", "reason": "The photo shows another bench."},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [(r["claim_id"], r["ok"], r["error"] and r["error"]["code"]) for r in body["results"]] == [
        (one, True, None),
        (within, True, None),
        (over_cap, False, "yearly_cap_exceeded"),
        (own, False, "own_claim"),
        (unknown, False, "not_found"),
        (two, True, None),
        (rejected, True, None),
    ]
    assert (body["approved"], body["rejected"], body["refused"]) == (3, 1, 3)
    over = body["results"][2]["error"]
    assert over["details"]["already"] == "15.00" and over["details"]["cap"] == "20.00"
    assert "cap" in over["message"]
    assert body["results"][0]["claim"]["status"] == "approved"
    assert body["results"][0]["claim"]["reward"]["status"] == "pending"
    assert body["results"][6]["claim"]["reject_reason"] == "The photo shows another bench."
    assert body["results"][2]["claim"] is None
    assert [status_of(loop, c) for c in (over_cap, own, rejected)] == ["submitted", "submitted", "rejected"]
    assert set(rewards_by_claim(runtime)) == {one, within, two}


def test_each_approval_counts_under_the_caps_of_the_ones_before_it(loop: Loop, runtime, monkeypatch) -> None:
    with_caps(runtime, monkeypatch, monthly_cap="40.00")
    citizen = Account.create()
    claims = submitted_claims(loop, citizen, 3)

    body = review(loop, *map(approve, claims)).json()

    assert [r["error"] and r["error"]["code"] for r in body["results"]] == [None, None, "monthly_cap_exceeded"]
    assert body["results"][2]["error"]["details"]["already"] == "30.00"
    assert set(rewards_by_claim(runtime)) == set(claims[:2])


def test_a_bulk_approval_leaves_the_same_records_as_a_single_one(loop: Loop, runtime) -> None:
    single, bulk = (submitted_claims(loop, Account.create(), 1)[0] for _ in range(2))
    assert loop.approve(single).status_code == 200
    assert review(loop, approve(bulk)).json()["approved"] == 1

    rewards = rewards_by_claim(runtime)
    assert [(r.status, r.amount_units, r.year) for r in (rewards[single], rewards[bulk])] == [
        ("pending", 1500, rewards[single].year)
    ] * 2
    with runtime.sessions() as session:
        details = {e.subject: (e.action, e.actor, e.details) for e in session.scalars(select(AuditEntry))}
        totals = {(t.district, t.tasks_done) for t in session.scalars(select(ReportTotal))}
    assert details[f"claim:{bulk}"][:2] == details[f"claim:{single}"][:2] == ("claim_approved", DEPLOYER.address)
    single_details, bulk_details = (json.loads(details[f"claim:{c}"][2]) for c in (single, bulk))
    assert single_details.keys() == bulk_details.keys() and bulk_details["reward"] == single_details["reward"]
    assert totals == {("all", 2), ("Centrum", 2)}


def test_bulk_approved_rewards_are_paid_on_chain(loop: Loop, runtime, coin) -> None:
    citizens = [Account.create() for _ in range(3)]
    claims = [submitted_claims(loop, c, 1)[0] for c in citizens]
    assert review(loop, *map(approve, claims)).json()["approved"] == 3

    run_sender(runtime, until_confirmed=3)

    assert [coin.contract.functions.balanceOf(c.address).call() for c in citizens] == [1500] * 3


def test_rejections_take_the_shared_reason_unless_they_give_their_own(loop: Loop) -> None:
    first, second = (submitted_claims(loop, Account.create(), 1)[0] for _ in range(2))
    body = review(
        loop,
        {"claim_id": first, "decision": "reject"},
        {"claim_id": second, "decision": "reject", "reason": "Not the right square."},
        reason="The photo is too dark.",
    ).json()
    assert [r["claim"]["reject_reason"] for r in body["results"]] == ["The photo is too dark.", "Not the right square."]


def test_a_decided_claim_is_refused_with_the_single_routes_code(loop: Loop) -> None:
    (claim,) = submitted_claims(loop, Account.create(), 1)
    assert loop.approve(claim).status_code == 200
    body = review(loop, {"claim_id": claim, "decision": "reject", "reason": "Changed my mind."}).json()
    assert body["results"][0]["error"]["code"] == loop.client.post(
        f"/api/v1/claims/{claim}/reject", json={"reason": "Changed my mind."}, headers=loop.operator
    ).json()["error"]["code"] == "claim_status_conflict"


def test_audit_trail_has_one_entry_per_decision_made(loop: Loop, runtime) -> None:
    approved, rejected = (submitted_claims(loop, Account.create(), 1)[0] for _ in range(2))
    before = len(audit_actions(runtime))
    review(loop, approve(approved), approve(approved + 999),
           {"claim_id": rejected, "decision": "reject", "reason": "No photo of the bench."})
    assert audit_actions(runtime)[before:] == [
        ("claim_approved", f"claim:{approved}"), ("claim_rejected", f"claim:{rejected}"),
    ]


def test_a_malformed_body_is_refused_whole(loop: Loop) -> None:
    (claim,) = submitted_claims(loop, Account.create(), 1)
    for body in (
        {"decisions": []},
        {"decisions": [approve(i) for i in range(1, 502)]},
        {"decisions": [approve(claim), approve(claim)]},
        {"decisions": [{"claim_id": claim, "decision": "reject"}]},
        {"decisions": [{"claim_id": claim, "decision": "maybe"}]},
        {"decisions": [{"claim_id": 0, "decision": "approve"}]},
        {"decisions": [approve(claim)], "extra": 1},
        {},
    ):
        response = loop.client.post(REVIEW, json=body, headers=loop.operator)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["code"] == "validation_error"
    assert status_of(loop, claim) == "submitted"


def test_only_an_operator_reviews(loop: Loop) -> None:
    citizen = Account.create()
    (claim,) = submitted_claims(loop, citizen, 1)
    assert review(loop, approve(claim), headers=loop.headers(Account.create())).status_code == 403
    assert loop.client.post(REVIEW, json={"decisions": [approve(claim)]}).status_code == 401
    assert status_of(loop, claim) == "submitted"
