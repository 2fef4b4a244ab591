"""The people of a drill and what they do through the API: an operator posts tasks and approves,
citizens claim and send proof, a shop is registered, citizens pay it, it redeems.

Every step is safe to repeat after the server died mid-request: a step whose effect already
happened (409 already_claimed, claim already approved, payment already relayed) is looked up, not
counted twice."""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from PIL import Image

from backend.settings import ANVIL_TEST_KEYS
from drills.client import Api, ApiError, error_code


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (40, 140, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


PHOTO = png_bytes()


def sign_typed(account: LocalAccount, typed_data: dict[str, Any]) -> str:
    signed = Account.sign_typed_data(account.key, full_message=typed_data)
    return "0x" + signed.signature.hex().removeprefix("0x")


@dataclass
class People:
    api: Api
    operator: LocalAccount = field(default_factory=lambda: Account.from_key(ANVIL_TEST_KEYS["deployer"]))
    citizens: list[LocalAccount] = field(default_factory=list)
    merchant: LocalAccount = field(default_factory=Account.create)
    tokens: dict[str, str] = field(default_factory=dict)
    lost_writes: list[str] = field(default_factory=list)  # answered 2xx, then missing from the database

    def token(self, account: LocalAccount) -> str:
        if account.address not in self.tokens:
            self.tokens[account.address] = self.api.sign_in(account)
        return self.tokens[account.address]

    def refresh_token(self, account: LocalAccount) -> str:
        self.tokens.pop(account.address, None)
        return self.token(account)

    # --- operator ---------------------------------------------------------------------------------

    def post_task(self, *, reward: str = "12.00", capacity: int = 100, district: str = "Centrum") -> int:
        body = {
            "title": "Clear litter from the square",
            "description": "Bags and gloves at the town hall.",
            "district": district,
            "reward": reward,
            "capacity": capacity,
            # at most 5.00 an hour (the default MAX_HOURLY_RATE): 12.00 takes 144 minutes
            "minutes": max(120, math.ceil(Decimal(reward) * 12)),
        }
        return int(self.api.ok("POST", "/tasks", token=self.token(self.operator), json=body)["id"])

    def register_merchant(self, name: str = "Bakkerij Pelzer") -> None:
        body = {"address": self.merchant.address, "name": name, "iban": "NL91ABNA0417164300"}
        response = self.api.call("POST", "/merchants", token=self.token(self.operator), json=body)
        if response.status_code not in (201, 409):
            raise ApiError(response)

    def wait_merchant_on_chain(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.api.ok("GET", f"/merchants/{self.merchant.address}", token=self.token(self.operator))
            if row["chain_status"] == "confirmed":
                self.tokens.pop(self.merchant.address, None)  # roles are per request; a fresh token is tidier
                return
            time.sleep(0.2)
        raise TimeoutError("the merchant's setMerchant was not confirmed in time")

    # --- the reward loop --------------------------------------------------------------------------

    def claim(self, citizen: LocalAccount, task_id: int) -> int:
        response = self.api.call("POST", f"/tasks/{task_id}/claims", token=self.token(citizen))
        if response.status_code == 201:
            return int(response.json()["id"])
        if response.status_code == 409 and error_code(response) == "already_claimed":
            mine = self.api.ok("GET", "/claims", token=self.token(citizen), params={"task_id": task_id})
            return int(mine[0]["id"])
        raise ApiError(response)

    def send_proof(self, citizen: LocalAccount, claim_id: int) -> None:
        response = self.api.call(
            "POST",
            f"/claims/{claim_id}/proof",
            token=self.token(citizen),
            files={"photo": ("proof.png", PHOTO, "image/png")},
            data={"note": "done"},
        )
        if response.status_code == 200:
            return
        if response.status_code == 409:  # decided already (a repeat after a crash): fine if it has proof
            return
        raise ApiError(response)

    def approve(self, claim_id: int) -> dict[str, Any]:
        token = self.token(self.operator)
        response = self.api.call("POST", f"/claims/{claim_id}/approve", token=token)
        if response.status_code == 200:
            return response.json()  # type: ignore[no-any-return]
        if response.status_code == 409:
            claim = self.api.ok("GET", f"/claims/{claim_id}", token=token)
            if claim["status"] == "approved":
                return claim  # type: ignore[no-any-return]
        raise ApiError(response)

    def do_task(self, citizen: LocalAccount, task_id: int) -> int:
        claim_id = self.claim(citizen, task_id)
        for _ in range(3):
            try:
                self.send_proof(citizen, claim_id)
            except ApiError as exc:
                if exc.response.status_code != 404:
                    raise
                self.lost_writes.append(f"claim {claim_id} of task {task_id}")  # answered 201, then gone
                claim_id = self.claim(citizen, task_id)
                continue
            try:
                self.approve(claim_id)
                return claim_id
            except ApiError as exc:
                details = exc.response.json().get("error", {}).get("details", {})
                if details.get("status") != "claimed":
                    raise
                # The proof was answered 200 but is not there: acknowledged, then lost (a crash between
                # the response and the commit). Counted for the report, and sent again.
                self.lost_writes.append(f"proof of claim {claim_id}")
        raise RuntimeError(f"claim {claim_id}: the proof would not stick")

    # --- the merchant loop ------------------------------------------------------------------------

    def pay(self, citizen: LocalAccount, amount: str) -> dict[str, Any]:
        """Asks for the typed data, signs it like a wallet, relays it; repeats the same signed body
        after a crash (the API answers 200 "the same payment" or 409 authorization_used)."""
        offer = self.api.ok(
            "POST",
            "/payments/typed-data",
            json={"from": citizen.address, "to": self.merchant.address, "amount": amount},
        )
        message = offer["typed_data"]["message"]
        body = {
            "from": message["from"],
            "to": message["to"],
            "value": message["value"],
            "validAfter": message["validAfter"],
            "validBefore": message["validBefore"],
            "nonce": message["nonce"],
            "signature": sign_typed(citizen, offer["typed_data"]),
        }
        response = self.api.call("POST", "/payments", json=body, token=self.token(citizen))  # the payer relays
        if response.status_code in (200, 201):
            return response.json()  # type: ignore[no-any-return]
        if response.status_code == 409 and error_code(response) == "authorization_used":
            return {"status": "used", "nonce": message["nonce"]}
        raise ApiError(response)

    def redemption_offer(self, amount: str) -> dict[str, Any]:
        return self.api.ok(
            "POST",
            "/redemptions",
            token=self.token(self.merchant),  # type: ignore[no-any-return]
            json={"amount": amount},
        )

    def relay_redemption(self, offer: dict[str, Any]) -> Any:
        body = {
            "merchant": self.merchant.address,
            "amount": offer["units"],
            "ref": offer["ref"],
            "validAfter": offer["validAfter"],
            "validBefore": offer["validBefore"],
            "nonce": offer["nonce"],
            "signature": sign_typed(self.merchant, offer["typed_data"]),
        }
        return self.api.call("POST", "/redemptions/relay", json=body, token=self.token(self.merchant))

    def verify(self, tx_hash: str) -> dict[str, Any]:
        return self.api.ok(
            "POST",
            "/redemptions/verify",
            token=self.token(self.merchant),  # type: ignore[no-any-return]
            json={"tx_hash": tx_hash},
        )


def wait_rewards_settled(engine: Any, *, timeout: float = 120, expected: int | None = None) -> dict[str, int]:
    """Waits until no reward is pending or sent; returns the count per status."""
    from sqlalchemy import text

    deadline = time.monotonic() + timeout
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            counts = {
                row[0]: int(row[1])
                for row in conn.execute(text("SELECT status, COUNT(*) FROM rewards GROUP BY status"))
            }
        live = counts.get("pending", 0) + counts.get("sent", 0)
        if live == 0 and (expected is None or sum(counts.values()) >= expected):
            return counts
        time.sleep(0.3)
    raise TimeoutError(f"rewards still not settled after {timeout} s: {counts}")
