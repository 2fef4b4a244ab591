"""Accounts and signatures for tests: Anvil's PUBLIC test keys (development only) and EIP-4361 sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage

from backend.settings import ANVIL_TEST_KEYS

DEPLOYER: LocalAccount = Account.from_key(ANVIL_TEST_KEYS["deployer"])
MINTER: LocalAccount = Account.from_key(ANVIL_TEST_KEYS["minter"])
RELAYER: LocalAccount = Account.from_key(ANVIL_TEST_KEYS["relayer"])


def siwe_message(
    address: str,
    nonce: str,
    *,
    domain: str = "testserver",
    uri: str = "http://testserver",
    chain_id: int = 31337,
    issued_at: str | None = None,
    expiration_time: str | None = None,
) -> str:
    """An EIP-4361 message as a wallet would build it (siwe's own serialiser)."""
    now = datetime.now(UTC)
    return SiweMessage(
        domain=domain,
        address=address,
        statement="Sign in to Heitje",
        uri=uri,
        version="1",
        chain_id=chain_id,
        nonce=nonce,
        issued_at=issued_at or now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        expiration_time=expiration_time
        or (now + timedelta(minutes=10)).isoformat(timespec="seconds").replace("+00:00", "Z"),
    ).prepare_message()


def sign_message(account: LocalAccount, message: str) -> str:
    """An EIP-191 personal signature (0x-hex), as a wallet signs a sign-in message."""
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


def new_account() -> LocalAccount:
    return Account.create()
