"""Helpers for the merchant-loop tests: coins and merchants set up directly on chain with the minter
key (MINTER_ROLE and REGISTRAR_ROLE), and authorizations signed with eth-account like a wallet would."""

from __future__ import annotations

import os
import time
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.chain import typed_data
from backend.chain.typed_data import Domain
from backend.payments.authorization import parse_signature
from backend.payments.service import SignedTransfer
from backend.runtime import Runtime
from backend.settings import ANVIL_TEST_KEYS
from tests.support.chain import coin_of, web3_of


def transact(runtime: Runtime, key: str, function: str, *args: Any) -> dict[str, Any]:
    """Sends coin.function(*args) from `key` and waits for it; raises if it reverted."""
    w3 = web3_of(runtime.chain)
    account = Account.from_key(key)
    tx = getattr(coin_of(runtime.chain).functions, function)(*args).build_transaction(
        {
            "from": account.address,
            "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        }
    )
    # Room above the estimate: it runs on the pending block, and a later block (Anvil's time moved on,
    # say) can take another path, e.g. the mint limit moving to a new slice costs one more write.
    tx["gas"] = int(tx["gas"] * 1.2) + 10_000
    signed = account.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
    assert receipt["status"] == 1, f"{function} reverted (gas used {receipt['gasUsed']} of {tx['gas']})"
    return dict(receipt)


def mint(runtime: Runtime, to: str, units: int) -> None:
    """Rewards `to` with `units` for a random claim id (the minter key, as the reward sender would)."""
    transact(runtime, ANVIL_TEST_KEYS["minter"], "reward", to, units, os.urandom(32))


def set_merchant(runtime: Runtime, address: str, accepted: bool = True) -> None:
    transact(runtime, ANVIL_TEST_KEYS["minter"], "setMerchant", address, accepted)


def citizen_with(runtime: Runtime, units: int) -> LocalAccount:
    account: LocalAccount = Account.create()
    if units:
        mint(runtime, account.address, units)
    return account


def balance(runtime: Runtime, address: str) -> int:
    """The balance once Anvil has mined what it was sent (on a busy machine a relay's answer can
    come back before its block is mined)."""
    settled(runtime)
    return runtime.chain.balance_of(address)


def settled(runtime: Runtime, timeout: float = 10.0) -> None:
    """Waits until the node's transaction pool holds nothing pending."""
    w3 = web3_of(runtime.chain)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = w3.provider.make_request("txpool_status", [])["result"]["pending"]
        if not (int(pending, 16) if isinstance(pending, str) else int(pending)):
            return
        time.sleep(0.05)


def signed_transfer(
    runtime: Runtime,
    payer: LocalAccount,
    to: str,
    value: int,
    *,
    valid_after: int = 0,
    valid_before: int | None = None,
    nonce: str | None = None,
    signer: LocalAccount | None = None,
) -> dict[str, Any]:
    """The JSON body of POST /payments for a transfer signed by `signer` (default: the payer)."""
    valid_before = valid_before if valid_before is not None else int(time.time()) + 3600
    nonce = nonce or typed_data.random_nonce()
    data = typed_data.transfer_with_authorization(
        Domain.of(runtime.deployment),
        from_=payer.address,
        to=to,
        value=value,
        valid_after=valid_after,
        valid_before=valid_before,
        nonce=nonce,
    )
    signature = typed_data.sign((signer or payer).key, data)
    return {
        "from": payer.address,
        "to": to,
        "value": value,
        "validAfter": valid_after,
        "validBefore": valid_before,
        "nonce": nonce,
        "signature": signature.hex,
    }


def cancel(runtime: Runtime, authorizer: LocalAccount, nonce: str) -> None:
    """The signer cancels an authorization on chain (relayed here by the deployer, who pays the gas)."""
    data = typed_data.cancel_authorization(
        Domain.of(runtime.deployment), authorizer=authorizer.address, nonce=nonce
    )
    sig = typed_data.sign(authorizer.key, data)
    transact(
        runtime,
        ANVIL_TEST_KEYS["deployer"],
        "cancelAuthorization",
        authorizer.address,
        Web3.to_bytes(hexstr=nonce),
        sig.v,
        sig.r,
        sig.s,
    )


def transfer_of(body: dict[str, Any]) -> SignedTransfer:
    """The service's SignedTransfer of a POST /payments body (as `signed_transfer` makes one)."""
    return SignedTransfer(
        from_=body["from"],
        to=body["to"],
        value=body["value"],
        valid_after=body["validAfter"],
        valid_before=body["validBefore"],
        nonce=body["nonce"],
        signature=parse_signature(body["signature"], None, None, None),
    )
