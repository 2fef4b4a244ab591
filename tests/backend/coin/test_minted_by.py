"""`heitje coin minted-by ADDRESS --since BLOCK`: what a (leaked) minter key minted, from the Rewarded events."""

from __future__ import annotations

from eth_account import Account

from backend.chain.admin import send_transaction
from backend.chain.client import claim_id_bytes
from backend.db import transaction
from backend.rewards.installation import claim_ids
from backend.settings import ANVIL_TEST_KEYS

MINTER_KEY = ANVIL_TEST_KEYS["minter"]
MINTER = Account.from_key(MINTER_KEY).address


def _prefix(runtime) -> int:
    with transaction(runtime.sessions) as session:
        return claim_ids(session).prefix


def _reward(admin, w3, key: str, citizen: str, units: int, claim: int, *, prefix: int) -> None:
    data = admin.coin.functions.reward(citizen, units, claim_id_bytes(claim, prefix=prefix))._encode_transaction_data()
    send_transaction(w3, key, {"to": admin.address, "data": data, "value": 0})


def test_minted_by_lists_the_keys_rewards_since_the_block(heitje, admin, w3, runtime):
    citizen, ours = Account.create().address, _prefix(runtime)
    _reward(admin, w3, MINTER_KEY, citizen, 1500, 900_001, prefix=ours)
    since = admin.latest_block() + 1
    _reward(admin, w3, MINTER_KEY, citizen, 700, 900_002, prefix=ours)
    _reward(admin, w3, MINTER_KEY, citizen, 300, 900_003, prefix=ours)

    result = heitje("coin", "minted-by", MINTER, "--since", str(since))

    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("block ")]
    assert [line.split()[4:] for line in lines] == [["900002", citizen, "7.00"], ["900003", citizen, "3.00"]]
    assert f"2 reward(s), 10.00 in total, since block {since}" in result.output


def test_minted_by_shows_an_id_under_another_prefix_whole(heitje, admin, w3, runtime):
    other = _prefix(runtime) ^ 1
    _reward(admin, w3, MINTER_KEY, Account.create().address, 100, 900_004, prefix=other)

    result = heitje("coin", "minted-by", MINTER)

    assert result.exit_code == 0, result.output
    assert f"id 0x{claim_id_bytes(900_004, prefix=other).hex()}" in result.output
    assert "claim 900004" not in result.output


def test_minted_by_leaves_out_rewards_another_key_sent(heitje, admin, w3, runtime):
    other = Account.create()
    send_transaction(w3, ANVIL_TEST_KEYS["deployer"], {"to": other.address, "value": 10**18})
    admin.send_call(admin.grant_role("MINTER_ROLE", other.address), ANVIL_TEST_KEYS["deployer"])
    _reward(admin, w3, "0x" + bytes(other.key).hex(), Account.create().address, 100, 900_010, prefix=_prefix(runtime))

    result = heitje("coin", "minted-by", MINTER)

    assert "0 reward(s), 0.00 in total, since block 0" in result.output
