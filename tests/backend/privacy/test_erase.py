"""POST /me/erase and `heitje privacy erase`: personal data gone, the books and the chain intact."""

from __future__ import annotations

from eth_account import Account
from sqlalchemy import String, func, select, update

from backend.claims.models import Claim
from backend.db import Base, utcnow
from backend.privacy import retention
from backend.privacy.service import ERASED_PREFIX
from backend.rewards.models import Reward
from backend.rewards.service import rewarded_this_year
from drills.invariants import check_all
from tests.backend.privacy.story import live_a_year

URL = "/api/v1/me/erase"


def _tables_naming(runtime, address: str) -> set[str]:
    """Every table with a text column that holds `address` (any letter case)."""
    found = set()
    with runtime.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String):
                    hit = conn.execute(
                        select(func.count()).select_from(table).where(func.lower(column) == address.lower())
                    ).scalar()
                    if hit:
                        found.add(table.name)
    return found


def _photo_files(runtime) -> set[str]:
    return {p.name for p in runtime.settings.photo_dir.iterdir()} if runtime.settings.photo_dir.is_dir() else set()


def _books(runtime):
    with runtime.sessions() as session:
        rewards = session.execute(select(func.count(), func.sum(Reward.amount_units))).one()
        claims = session.execute(
            select(Claim.id, Claim.task_id, Claim.status, Claim.reviewed_at).order_by(Claim.id)
        ).all()
    return tuple(rewards), claims


def _chain(runtime, story):
    chain = runtime.chain
    return (
        chain.latest_block(),
        chain.total_supply(),
        chain.balance_of(story.citizen.address),
        chain.balance_of(story.shop.address),
    )


def test_erasure_deletes_the_photos_from_disk(loop, runtime):
    story = live_a_year(loop, runtime)
    with runtime.sessions() as session:
        names = set(session.scalars(select(Claim.photo_file).where(Claim.citizen == story.citizen.address)))
    assert len(names) == 3 and names <= _photo_files(runtime)

    response = loop.client.post(URL, headers=loop.headers(story.citizen))

    assert response.status_code == 200, response.text
    assert response.json()["photos_deleted"] == 3
    assert not names & _photo_files(runtime)


def test_erasure_leaves_no_note_photo_or_reject_reason(loop, runtime):
    story = live_a_year(loop, runtime)

    loop.client.post(URL, headers=loop.headers(story.citizen))

    with runtime.sessions() as session:
        claims = list(session.scalars(select(Claim).where(Claim.id.in_([*story.rewarded, story.rejected]))))
    assert len(claims) == 3
    for claim in claims:
        assert claim.citizen.startswith(ERASED_PREFIX)
        assert (claim.note, claim.photo_file, claim.photo_type, claim.reject_reason) == (None, None, None, None)
    assert len({claim.citizen for claim in claims}) == 1


def test_after_erasure_only_this_years_rewards_and_the_chain_copy_name_the_address(loop, runtime):
    story = live_a_year(loop, runtime)
    assert {"claims", "payments", "privacy_sign_ins"} <= _tables_naming(runtime, story.citizen.address)

    loop.client.post(URL, headers=loop.headers(story.citizen))

    # rewards: the yearly cap counts this year's by address; chain_events: the indexer's copy of the chain,
    # account_balances: its balanceOf (issue 14)
    assert _tables_naming(runtime, story.citizen.address) == {"rewards", "chain_events", "account_balances"}


def test_after_the_year_ends_the_retention_sweep_takes_the_address_off_the_rewards(loop, runtime):
    story = live_a_year(loop, runtime)
    loop.client.post(URL, headers=loop.headers(story.citizen))

    retention.run_once(runtime, now=utcnow().replace(year=utcnow().year + 1, month=1, day=2))

    assert _tables_naming(runtime, story.citizen.address) == {"chain_events", "account_balances"}
    with runtime.sessions() as session:
        pseudonyms = set(session.scalars(select(Reward.citizen)))
    assert len(pseudonyms) == 1 and pseudonyms.pop().startswith(ERASED_PREFIX)


def test_erasure_keeps_the_books_rewards_sum_and_claims(loop, runtime):
    story = live_a_year(loop, runtime)
    before = _books(runtime)

    loop.client.post(URL, headers=loop.headers(story.citizen))

    assert _books(runtime) == before
    assert before[0] == (2, 2750)


def test_erasure_leaves_the_chain_untouched(loop, runtime):
    story = live_a_year(loop, runtime)
    before = _chain(runtime, story)

    loop.client.post(URL, headers=loop.headers(story.citizen))

    assert _chain(runtime, story) == before
    assert before[1] == before[2] + before[3]  # supply = balances: nothing minted, burnt or moved


def test_erasure_keeps_the_yearly_cap_counting_this_years_rewards(loop, runtime):
    story = live_a_year(loop, runtime)

    loop.client.post(URL, headers=loop.headers(story.citizen))

    with runtime.sessions() as session:
        assert rewarded_this_year(session, story.citizen.address, utcnow().year) == 2750


def test_erasure_moves_last_years_rewards_to_the_pseudonym_at_once(loop, runtime):
    story = live_a_year(loop, runtime)
    with runtime.sessions() as session, session.begin():
        session.execute(update(Reward).where(Reward.claim_id == story.rewarded[0]).values(year=utcnow().year - 1))

    answer = loop.client.post(URL, headers=loop.headers(story.citizen)).json()

    assert answer["rewards_kept_until_year_end"] == 1
    with runtime.sessions() as session:
        assert session.get(Reward, story.rewarded[0]).citizen.startswith(ERASED_PREFIX)
        assert session.get(Reward, story.rewarded[1]).citizen == story.citizen.address


def test_erasure_waits_for_a_claim_under_review(loop):
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    assert loop.prove(citizen, claim_id).status_code == 200

    response = loop.client.post(URL, headers=loop.headers(citizen))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "erasure_blocked"
    assert response.json()["error"]["details"]["problem"] == "open_claim"
    assert f"claim {claim_id}" in response.json()["error"]["message"]


def test_erasure_waits_for_a_reward_not_yet_on_chain(loop, runtime):
    claim_id, citizen = loop.approved_claim()

    response = loop.client.post(URL, headers=loop.headers(citizen))

    assert response.status_code == 409
    assert "not on the chain yet" in response.json()["error"]["message"]


def test_the_export_after_erasure_shows_nothing_personal(loop, runtime):
    story = live_a_year(loop, runtime)
    loop.client.post(URL, headers=loop.headers(story.citizen))

    data = loop.client.get("/api/v1/me/export", headers=loop.headers(story.citizen)).json()

    assert data["claims"] == [] and data["payments"] == []
    assert data["sign_ins"] == []  # the token from before the erasure: no new sign-in


def test_operator_erases_on_the_command_line_with_yes(loop, runtime, heitje):
    story = live_a_year(loop, runtime, rewards=("5.00",))

    result = heitje("privacy", "erase", story.citizen.address, "--yes")

    assert result.exit_code == 0, result.output
    assert "2 photos and 2 notes deleted" in result.output
    assert _tables_naming(runtime, story.citizen.address) == {"rewards", "chain_events", "account_balances"}


def test_the_command_line_asks_before_erasing(loop, runtime, heitje):
    story = live_a_year(loop, runtime, rewards=("5.00",))

    result = heitje("privacy", "erase", story.citizen.address)  # no input: the question is declined

    assert result.exit_code != 0
    assert "claims" in _tables_naming(runtime, story.citizen.address)


def test_a_shop_cannot_erase_its_business_records(loop, runtime):
    story = live_a_year(loop, runtime, rewards=("5.00",))
    operator = loop.operator
    body = {"address": story.shop.address, "name": "Bakkerij", "iban": "NL91ABNA0417164300"}
    assert loop.client.post("/api/v1/merchants", json=body, headers=operator).status_code == 201

    response = loop.client.post(URL, headers=loop.headers(story.shop))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "erasure_blocked"
    assert response.json()["error"]["details"]["problem"] == "merchant"


def test_an_operator_cannot_erase_the_citys_records(loop):
    response = loop.client.post(URL, headers=loop.operator)

    assert response.status_code == 409
    assert response.json()["error"]["details"]["problem"] == "operator"


def test_retention_counts_erasures_for_the_council_report(loop, runtime):
    story = live_a_year(loop, runtime, rewards=("5.00",))
    loop.client.post(URL, headers=loop.headers(story.citizen))

    removed = loop.client.get("/api/v1/reports/summary", headers=loop.operator).json()["privacy_removals"]

    assert removed["erasures"] == 1 and removed["photos"] == 2 and removed["notes"] == 2


def test_the_money_invariants_hold_after_an_erasure_and_the_year_end_sweep(loop, runtime, w3):
    story = live_a_year(loop, runtime)
    loop.client.post(URL, headers=loop.headers(story.citizen))
    retention.run_once(runtime, now=utcnow().replace(year=utcnow().year + 1, month=1, day=2))

    results, _ = check_all(w3, runtime.deployment, runtime.engine)

    assert {name: problems for name, problems in results.items() if problems} == {}
