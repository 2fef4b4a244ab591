"""People signed in for real through the API, photos to prove claims with, and coins and merchants set up
on the real chain with the minter key (as the reward sender and the registry would). Shared by the
security tests."""

from __future__ import annotations

import io
import os
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from PIL import Image

from backend.merchants.models import Merchant
from backend.runtime import Runtime
from backend.settings import ANVIL_TEST_KEYS
from tests.support.accounts import DEPLOYER
from tests.support.chain import coin_of, web3_of

TASK = {
    "title": "Clear litter from the square",
    "description": "Bags at the town hall.",
    "district": "Centrum",
    "reward": "12.00",
    "capacity": 10,
}


def png(size: tuple[int, int] = (16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def transact(runtime: Runtime, key: str, function: str, *args: Any) -> None:
    w3 = web3_of(runtime.chain)
    account = Account.from_key(key)
    tx = getattr(coin_of(runtime.chain).functions, function)(*args).build_transaction(
        {"from": account.address, "nonce": w3.eth.get_transaction_count(account.address, "pending")}
    )
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    )
    assert receipt["status"] == 1, f"{function} reverted"


def mint(runtime: Runtime, to: str, units: int) -> None:
    transact(runtime, ANVIL_TEST_KEYS["minter"], "reward", to, units, os.urandom(32))


def make_merchant(runtime: Runtime) -> LocalAccount:
    """A shop registered on chain and in the registry (so it signs in with the merchant role)."""
    shop: LocalAccount = Account.create()
    transact(runtime, ANVIL_TEST_KEYS["minter"], "setMerchant", shop.address, True)
    with runtime.sessions() as session, session.begin():
        session.add(
            Merchant(
                address=shop.address,
                name="Bakkerij",
                iban="NL91ABNA0417164300",
                active=True,
                chain_status="confirmed",
            )
        )
    return shop


class People:
    def __init__(self, client: TestClient, sign_in: Any) -> None:
        self.client, self._sign_in = client, sign_in
        self._headers: dict[str, dict[str, str]] = {}

    def headers(self, account: LocalAccount) -> dict[str, str]:
        if account.address not in self._headers:
            self._headers[account.address] = self._sign_in(self.client, account)
        return self._headers[account.address]

    @property
    def operator(self) -> dict[str, str]:
        return self.headers(DEPLOYER)

    def task(self, **overrides: object) -> int:
        response = self.client.post("/api/v1/tasks", json={**TASK, **overrides}, headers=self.operator)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def claim(self, citizen: LocalAccount, task_id: int | None = None) -> int:
        response = self.client.post(f"/api/v1/tasks/{task_id or self.task()}/claims", headers=self.headers(citizen))
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def prove(
        self,
        citizen: LocalAccount,
        claim_id: int,
        *,
        name: str = "proof.png",
        data: bytes | None = None,
        media_type: str = "image/png",
    ):  # type: ignore[no-untyped-def]
        return self.client.post(
            f"/api/v1/claims/{claim_id}/proof",
            headers=self.headers(citizen),
            files={"photo": (name, png() if data is None else data, media_type)},
            data={"note": "done"},
        )
