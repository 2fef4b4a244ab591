"""Rotating the minter and relayer keys on Anvil: the old key's transactions in flight are settled,
every approved reward is paid exactly once, the old key loses its roles, the relayer's ETH moves."""

from __future__ import annotations

from eth_account import Account
from sqlalchemy import select

from backend.chain.admin import send_transaction
from backend.chain.ledger import LIVE, ChainTx
from backend.chain.sender import TxSender
from backend.rewards.installation import read_claim_ids
from backend.rewards.sender import SENDER_SOURCES
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.claims.helpers import Loop, rewards_by_claim

OLD_MINTER_KEY = ANVIL_TEST_KEYS["minter"]
OLD_MINTER = Account.from_key(OLD_MINTER_KEY).address


def _funded(w3) -> Account:
    account = Account.create()
    send_transaction(w3, ANVIL_TEST_KEYS["deployer"], {"to": account.address, "value": 10**18})
    return account


def _onchain(runtime, claim: int) -> int:
    """The on-chain id this installation pays `claim` under."""
    with runtime.read_sessions() as session:
        ids = read_claim_ids(session)
    assert ids is not None
    return ids.onchain_int(claim)


def _key(account) -> str:
    return "0x" + bytes(account.key).hex()


def _send_without_settling(runtime, key: str) -> None:
    """One sender round that stores and broadcasts the waiting rewards, then the sender stops (as if the
    operator stopped the workers to switch the key): its transactions stay live in the ledger."""
    sender = TxSender(runtime, key=key, sources=[make(runtime) for make in SENDER_SOURCES])
    try:
        assert sender.lock.acquire()
        sender.send_new()
    finally:
        sender.close()


def _live(runtime, address: str) -> list[ChainTx]:
    with runtime.sessions() as session:
        return list(session.scalars(select(ChainTx).where(ChainTx.key_address == address, ChainTx.status.in_(LIVE))))


def test_rotate_minter_grants_both_roles_to_the_new_key(heitje, admin):
    new = Account.create().address

    result = heitje("coin", "rotate-minter", new, "--yes")

    assert result.exit_code == 0, result.output
    assert admin.has_role("MINTER_ROLE", new) and admin.has_role("REGISTRAR_ROLE", new)
    assert admin.has_role("MINTER_ROLE", OLD_MINTER)  # the old key keeps minting until the switch
    assert f"rotate-minter {new} --finish" in result.output


def test_rotate_minter_finish_refuses_while_minter_key_is_still_the_old_key(heitje, admin):
    new = Account.create().address
    heitje("coin", "rotate-minter", new, "--yes")

    result = heitje("coin", "rotate-minter", new, "--finish", "--yes", env={"OLD_MINTER_KEY": OLD_MINTER_KEY})

    assert result.exit_code == 1
    assert "MINTER_KEY is still" in result.output
    assert admin.has_role("MINTER_ROLE", OLD_MINTER)


def test_rotate_minter_finish_settles_the_old_keys_rewards_in_flight_then_revokes_it(
    heitje, admin, runtime, client, sign_in, w3
):
    loop = Loop(client, sign_in)
    first, _ = loop.approved_claim()
    _send_without_settling(runtime, OLD_MINTER_KEY)
    assert len(_live(runtime, OLD_MINTER)) == 1
    new = _funded(w3)
    heitje("coin", "rotate-minter", new.address, "--yes")

    result = heitje(
        "coin",
        "rotate-minter",
        new.address,
        "--finish",
        "--yes",
        env={"MINTER_KEY": _key(new), "OLD_MINTER_KEY": OLD_MINTER_KEY},
    )

    assert result.exit_code == 0, result.output
    assert "1 transaction(s) settled" in result.output
    assert _live(runtime, OLD_MINTER) == []
    assert rewards_by_claim(runtime)[first].status == "confirmed"
    assert not admin.has_role("MINTER_ROLE", OLD_MINTER) and not admin.has_role("REGISTRAR_ROLE", OLD_MINTER)
    assert admin.has_role("MINTER_ROLE", new.address)


def test_after_the_rotation_the_new_key_pays_new_rewards_and_nothing_twice(heitje, admin, runtime, client, sign_in, w3):
    loop = Loop(client, sign_in)
    first, first_citizen = loop.approved_claim()
    _send_without_settling(runtime, OLD_MINTER_KEY)
    new = _funded(w3)
    heitje("coin", "rotate-minter", new.address, "--yes")
    heitje(
        "coin",
        "rotate-minter",
        new.address,
        "--finish",
        "--yes",
        env={"MINTER_KEY": _key(new), "OLD_MINTER_KEY": OLD_MINTER_KEY},
    )
    second, second_citizen = loop.approved_claim()

    sender = TxSender(runtime, key=_key(new), sources=[make(runtime) for make in SENDER_SOURCES])
    try:
        for _ in range(50):
            sender.tick()
            if rewards_by_claim(runtime)[second].status == "confirmed":
                break
    finally:
        sender.close()

    assert rewards_by_claim(runtime)[second].status == "confirmed"
    assert runtime.chain.balance_of(first_citizen.address) == 1500
    assert runtime.chain.balance_of(second_citizen.address) == 1500
    assert admin.state().total_supply == 3000
    assert [m.claim_id for m in admin.minted_by(new.address, 0)] == [_onchain(runtime, second)]


def test_rotate_relayer_sweeps_the_old_keys_eth_to_the_new_key(heitje, admin, w3):
    old = _funded(w3)
    new = Account.create()

    result = heitje(
        "coin",
        "rotate-relayer",
        new.address,
        "--yes",
        env={"RELAYER_KEY": _key(new), "OLD_RELAYER_KEY": _key(old)},
    )

    assert result.exit_code == 0, result.output
    assert admin.eth_balance(new.address) > 0.99 * 10**18
    assert admin.eth_balance(old.address) < 10**15


def test_rotate_relayer_refuses_while_relayer_key_is_still_the_old_key(heitje, admin, w3):
    old = _funded(w3)

    result = heitje(
        "coin",
        "rotate-relayer",
        Account.create().address,
        "--yes",
        env={"RELAYER_KEY": _key(old), "OLD_RELAYER_KEY": _key(old)},
    )

    assert result.exit_code == 1
    assert "RELAYER_KEY is still" in result.output
    assert admin.eth_balance(old.address) == 10**18


def test_a_reward_the_old_key_sent_into_a_pause_is_paid_once_by_the_new_key(
    heitje, admin, runtime, client, sign_in, w3
):
    loop = Loop(client, sign_in)
    claim, citizen = loop.approved_claim()
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        _send_without_settling(runtime, OLD_MINTER_KEY)  # in the node's pool, not yet mined
        pause = admin.pause()
        deployer = Account.from_key(ANVIL_TEST_KEYS["deployer"])
        signed = deployer.sign_transaction(
            {
                "to": pause.to,
                "data": pause.data,
                "value": 0,
                "gas": 100_000,
                "chainId": 31337,
                "nonce": w3.eth.get_transaction_count(deployer.address, "pending"),
                "maxFeePerGas": 10**12,
                "maxPriorityFeePerGas": 10**11,
            }  # ahead of the reward in the block
        )
        w3.eth.send_raw_transaction(signed.raw_transaction)
        w3.provider.make_request("evm_mine", [])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    [row] = _live(runtime, OLD_MINTER)
    assert w3.eth.get_transaction_receipt(row.tx_hash)["status"] == 0  # the pause came first
    new = _funded(w3)
    heitje("coin", "rotate-minter", new.address, "--yes")

    result = heitje(
        "coin",
        "rotate-minter",
        new.address,
        "--finish",
        "--yes",
        env={"MINTER_KEY": _key(new), "OLD_MINTER_KEY": OLD_MINTER_KEY},
    )
    heitje("coin", "unpause", "--yes")
    sender = TxSender(runtime, key=_key(new), sources=[make(runtime) for make in SENDER_SOURCES])
    try:
        for _ in range(50):
            sender.tick()
            if rewards_by_claim(runtime)[claim].status == "confirmed":
                break
    finally:
        sender.close()

    assert result.exit_code == 0, result.output
    assert rewards_by_claim(runtime)[claim].status == "confirmed"
    assert runtime.chain.balance_of(citizen.address) == 1500
    assert [m.claim_id for m in admin.minted_by(new.address, 0)] == [_onchain(runtime, claim)]
    assert admin.minted_by(OLD_MINTER, 0) == []
