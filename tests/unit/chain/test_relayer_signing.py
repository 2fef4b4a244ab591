"""The relayer signs its transactions itself (a batch signs dozens): byte for byte what eth-account
makes of the same fields."""

import coincurve
import pytest
from eth_account import Account

from backend.chain.relayer import sign_legacy

KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"  # Anvil's public test key 2
COIN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@pytest.mark.parametrize(
    ("chain_id", "nonce", "gas_price", "gas", "data"),
    [
        (31337, 0, 1_000_000_000, 150_000, "0x"),
        (100, 7, 2_500_000_007, 84_636, "0xe3ee160e" + "ab" * 288),
        (31337, 2**40, 1, 21_000, "0x00"),
    ],
)
def test_a_signed_relay_is_what_eth_account_signs(chain_id, nonce, gas_price, gas, data):
    expected = Account.from_key(KEY).sign_transaction(
        {"to": COIN, "data": data, "value": 0, "gas": gas, "gasPrice": gas_price, "nonce": nonce, "chainId": chain_id}
    )

    raw, tx_hash = sign_legacy(
        coincurve.PrivateKey(bytes.fromhex(KEY[2:])),
        chain_id=chain_id,
        nonce=nonce,
        gas_price=gas_price,
        gas=gas,
        to=bytes.fromhex(COIN[2:]),
        data=bytes.fromhex(data[2:]),
    )

    assert raw == "0x" + bytes(expected.raw_transaction).hex()
    assert tx_hash == "0x" + bytes(expected.hash).hex()
