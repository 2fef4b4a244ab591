"""A Safe multisig in charge: deployed from the npm artifacts, handed the admin and pauser roles, and
every admin action afterwards a proposal that owners sign with their own keys (eth-account)."""

from __future__ import annotations

import re

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from backend.chain.admin import CallReverted, send_transaction
from backend.chain.safe import Safe
from backend.settings import ANVIL_TEST_KEYS

DEPLOYER_KEY = ANVIL_TEST_KEYS["deployer"]
DEPLOYER = Account.from_key(DEPLOYER_KEY).address


@pytest.fixture
def owners():
    return sorted((Account.create() for _ in range(3)), key=lambda a: int(a.address, 16))


@pytest.fixture
def safe_address(heitje, owners) -> str:
    args = ["coin", "safe", "deploy", "--threshold", "2", "--yes"]
    for owner in owners:
        args += ["--owner", owner.address]
    result = heitje(*args)
    assert result.exit_code == 0, result.output
    return re.search(r"Safe: (0x[0-9a-fA-F]{40})", result.output).group(1)


@pytest.fixture
def handed_over(heitje, safe_address) -> str:
    result = heitje("coin", "handover", safe_address, "--yes")
    assert result.exit_code == 0, result.output
    return safe_address


def _key_env(account) -> dict[str, str]:
    return {"OWNER_KEY": "0x" + bytes(account.key).hex()}


def _proposal_id(output: str) -> str:
    return re.search(r"proposal (\d+) for Safe", output).group(1)


def _expected_safe_tx_hash(safe: str, chain_id: int, to: str, data: str, nonce: int) -> str:
    """The SafeTx hash computed independently of the Safe contract, from the EIP-712 types."""
    zero = "0x" + "00" * 20
    typed = {
        "types": {
            "EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "SafeTx": [
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "data", "type": "bytes"},
                {"name": "operation", "type": "uint8"},
                {"name": "safeTxGas", "type": "uint256"},
                {"name": "baseGas", "type": "uint256"},
                {"name": "gasPrice", "type": "uint256"},
                {"name": "gasToken", "type": "address"},
                {"name": "refundReceiver", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ],
        },
        "primaryType": "SafeTx",
        "domain": {"chainId": chain_id, "verifyingContract": safe},
        "message": {
            "to": to,
            "value": 0,
            "data": bytes.fromhex(data[2:]),
            "operation": 0,
            "safeTxGas": 0,
            "baseGas": 0,
            "gasPrice": 0,
            "gasToken": zero,
            "refundReceiver": zero,
            "nonce": nonce,
        },
    }
    signable = encode_typed_data(full_message=typed)
    from eth_utils import keccak

    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


def test_safe_deploy_creates_a_safe_with_the_owners_and_threshold(safe_address, owners, w3):
    safe = Safe(w3, safe_address)

    assert (safe.owners(), safe.threshold(), safe.nonce()) == ([o.address for o in owners], 2, 0)


def test_handover_moves_admin_and_pauser_to_the_safe(handed_over, admin):
    assert admin.has_role("DEFAULT_ADMIN_ROLE", handed_over) and admin.has_role("PAUSER_ROLE", handed_over)
    assert not admin.has_role("DEFAULT_ADMIN_ROLE", DEPLOYER) and not admin.has_role("PAUSER_ROLE", DEPLOYER)


def test_after_the_handover_the_old_admin_keys_pause_reverts_on_chain(handed_over, admin, w3):
    call = admin.pause()

    with pytest.raises(CallReverted):
        send_transaction(w3, DEPLOYER_KEY, {"to": call.to, "data": call.data, "value": 0, "gas": 100_000})

    assert admin.state().paused is False


def test_after_the_handover_pause_becomes_a_proposal_with_the_eip712_hash(handed_over, heitje, admin, runtime):
    result = heitje("coin", "pause", "--yes")

    assert result.exit_code == 0, result.output
    assert f"proposed to the Safe {handed_over}" in result.output
    expected = _expected_safe_tx_hash(handed_over, runtime.deployment.chain_id, admin.address, admin.pause().data, 0)
    assert f"SafeTx hash (EIP-712) each owner signs: {expected}" in result.output
    assert admin.state().paused is False


def test_one_signature_of_two_is_refused_before_sending(handed_over, heitje, owners, admin):
    proposal = _proposal_id(heitje("coin", "pause", "--yes").output)
    heitje("coin", "safe", "sign", proposal, "--key-env", "OWNER_KEY", env=_key_env(owners[0]))

    result = heitje("coin", "safe", "execute", proposal)

    assert result.exit_code == 1
    assert "threshold_not_met" in result.output
    assert admin.state().paused is False


def test_one_signature_of_two_forced_through_is_refused_by_the_safe(handed_over, heitje, owners, admin):
    proposal = _proposal_id(heitje("coin", "pause", "--yes").output)
    heitje("coin", "safe", "sign", proposal, env=_key_env(owners[2]))

    result = heitje("coin", "safe", "execute", proposal, "--force")

    assert result.exit_code == 1
    assert "admin_call_refused" in result.output and "GS020" in result.output
    assert admin.state().paused is False


def test_two_owner_signatures_execute_the_pause(handed_over, heitje, owners, admin):
    proposal = _proposal_id(heitje("coin", "pause", "--yes").output)
    # Signed in descending owner order: the execution sorts them as the Safe requires.
    for owner in (owners[2], owners[0]):
        assert heitje("coin", "safe", "sign", proposal, env=_key_env(owner)).exit_code == 0

    result = heitje("coin", "safe", "execute", proposal)

    assert result.exit_code == 0, result.output
    assert admin.state().paused is True


def test_a_signature_made_elsewhere_is_accepted_when_it_recovers_to_an_owner(handed_over, heitje, owners, admin):
    from backend.chain.safe import sign_safe_hash

    output = heitje("coin", "mint-limit", "10.00", "--period", "60", "--yes").output
    proposal = _proposal_id(output)
    safe_tx_hash = re.search(r"owner signs: (0x[0-9a-f]{64})", output).group(1)
    for owner in owners[:2]:
        signature = sign_safe_hash("0x" + bytes(owner.key).hex(), safe_tx_hash)
        assert heitje("coin", "safe", "sign", proposal, "--signature", signature).exit_code == 0

    result = heitje("coin", "safe", "execute", proposal)

    assert result.exit_code == 0, result.output
    assert admin.state().mint_limit == 10_00


def test_a_stranger_cannot_sign_a_proposal(handed_over, heitje):
    proposal = _proposal_id(heitje("coin", "roles", "grant", "PAUSER_ROLE", DEPLOYER, "--yes").output)
    stranger = Account.create()

    result = heitje("coin", "safe", "sign", proposal, env=_key_env(stranger))

    assert result.exit_code == 1
    assert f"not_safe_owner: {stranger.address} is not an owner" in result.output


def test_an_executed_proposal_cannot_be_executed_again(handed_over, heitje, owners):
    proposal = _proposal_id(heitje("coin", "open-transfers", "on", "--yes").output)
    for owner in owners[:2]:
        heitje("coin", "safe", "sign", proposal, env=_key_env(owner))
    heitje("coin", "safe", "execute", proposal)

    result = heitje("coin", "safe", "execute", proposal)

    assert result.exit_code == 1
    assert "proposal_closed" in result.output


def test_a_command_that_proposes_twice_gives_the_proposals_successive_nonces(handed_over, heitje, owners, admin):
    new = Account.create().address
    output = heitje("coin", "rotate-minter", new, "--yes").output
    ids = re.findall(r"proposal (\d+) for Safe \S+ \(nonce (\d+)\)", output)
    assert [nonce for _, nonce in ids] == ["0", "1"]

    for proposal, _ in ids:
        for owner in owners[:2]:
            heitje("coin", "safe", "sign", proposal, env=_key_env(owner))
        assert heitje("coin", "safe", "execute", proposal).exit_code == 0

    assert admin.has_role("MINTER_ROLE", new) and admin.has_role("REGISTRAR_ROLE", new)


def test_status_after_the_handover_shows_the_admin_safe(handed_over, heitje):
    result = heitje("coin", "status")

    assert result.exit_code == 0, result.output
    assert f"admin Safe      {handed_over}: 2 of 3 owners, nonce 0" in result.output
    assert "PAUSER_ROLE         " + handed_over in result.output
