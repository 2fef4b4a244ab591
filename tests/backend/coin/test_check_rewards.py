"""`heitje coin check-rewards`: the database's rewards against the chain after an incident."""

from __future__ import annotations

from eth_account import Account

from backend.chain.admin import send_transaction
from backend.chain.client import claim_id_bytes
from backend.db import transaction
from backend.rewards.installation import claim_ids
from backend.rewards.models import Reward
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.claims.helpers import Loop, run_sender

MINTER_KEY = ANVIL_TEST_KEYS["minter"]
MINTER = Account.from_key(MINTER_KEY).address


def _prefix(runtime) -> int:
    with transaction(runtime.sessions) as session:
        return claim_ids(session).prefix


def _thief_mints(admin, w3, citizen: str, units: int, claim: int, *, prefix: int) -> None:
    data = admin.coin.functions.reward(citizen, units, claim_id_bytes(claim, prefix=prefix))._encode_transaction_data()
    send_transaction(w3, MINTER_KEY, {"to": admin.address, "data": data, "value": 0})


def test_check_rewards_is_clean_when_the_chain_agrees(heitje, runtime, client, sign_in):
    Loop(client, sign_in).approved_claim()
    run_sender(runtime, until_confirmed=1)

    result = heitje("coin", "check-rewards", "--minted-by", MINTER)

    assert result.exit_code == 0, result.output
    assert "0 reward(s) need attention; 0 mint(s) were not ours" in result.output
    assert "ours" in result.output


def test_check_rewards_names_a_confirmed_reward_the_chain_lacks(heitje, runtime, client, sign_in):
    claim, _ = Loop(client, sign_in).approved_claim()
    with transaction(runtime.sessions) as session:  # as after a reorg deeper than CONFIRMATIONS
        claim_ids(session)  # the sender made the installation's ids when it paid
        reward = session.get(Reward, claim)
        reward.status, reward.tx_hash = "confirmed", "0x" + "ab" * 32

    result = heitje("coin", "check-rewards")

    assert result.exit_code == 1
    assert f"claim {claim}  missing_on_chain" in result.output


def test_check_rewards_sorts_a_thiefs_mints_from_ours(heitje, runtime, client, sign_in, admin, w3):
    claim, _ = Loop(client, sign_in).approved_claim()  # approved, not yet sent
    thief, ours = Account.create().address, _prefix(runtime)
    _thief_mints(admin, w3, thief, 99_00, claim, prefix=ours ^ 1)  # our number under another prefix
    _thief_mints(admin, w3, thief, 1500, claim, prefix=ours)  # he read our prefix and takes our claim first

    result = heitje("coin", "check-rewards", "--minted-by", MINTER)

    assert result.exit_code == 1
    assert f"id 0x{claim_id_bytes(claim, prefix=ours ^ 1).hex()}  foreign_mint" in result.output
    assert f"claim {claim}  shadowed" in result.output
    assert "1 reward(s) need attention; 1 mint(s) were not ours" in result.output


def test_check_rewards_names_the_highest_claim_number_spent_that_the_database_lacks(heitje, admin, w3, runtime):
    ours = _prefix(runtime)
    _thief_mints(admin, w3, Account.create().address, 100, 41, prefix=ours)  # paid, then the database was restored
    _thief_mints(admin, w3, Account.create().address, 100, 40, prefix=ours)
    _thief_mints(admin, w3, Account.create().address, 100, 99, prefix=ours ^ 1)  # another prefix: not ours to skip

    result = heitje("coin", "check-rewards", "--minted-by", MINTER)

    assert result.exit_code == 0, result.output
    assert "claim numbers up to 41 are spent on chain but unknown to the database" in result.output
    assert f"prefix 0x{ours:032x}" in result.output and "heitje rewards skip-claims 41" in result.output
