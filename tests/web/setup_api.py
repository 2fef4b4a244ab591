"""Test set-up through the HTTP API with eth-account signatures, for browser tests that start in the
middle of the story (a citizen who already has coins, a shop that is already registered)."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from PIL import Image

from tests.web.helpers import DEPLOYER, Server


def siwe_message(server: Server, address: str, nonce: str) -> str:
    now = datetime.now(UTC)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return "\n".join([
        f"{server.url.split('://', 1)[1]} wants you to sign in with your Ethereum account:",
        address, "", "Sign in to Heitje.", "",
        f"URI: {server.url}", "Version: 1", f"Chain ID: {server.runtime.deployment.chain_id}",
        f"Nonce: {nonce}", f"Issued At: {now.strftime(stamp)}",
        f"Expiration Time: {(now + timedelta(minutes=10)).strftime(stamp)}",
    ])


@dataclass
class ApiUser:
    server: Server
    account: LocalAccount
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=f"{self.server.url}/api/v1", timeout=30)
        nonce = self.http.get("/auth/nonce").json()["nonce"]
        message = siwe_message(self.server, self.account.address, nonce)
        signed = self.account.sign_message(encode_defunct(text=message))
        signature = "0x" + signed.signature.hex().removeprefix("0x")
        login = self.http.post("/auth/login", json={"message": message, "signature": signature})
        login.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

    @property
    def address(self) -> str:
        return str(self.account.address)

    def post(self, path: str, **kwargs: object) -> dict:  # type: ignore[type-arg]
        response = self.http.post(path, **kwargs)  # type: ignore[arg-type]
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def get(self, path: str, **kwargs: object) -> object:
        response = self.http.get(path, **kwargs)  # type: ignore[arg-type]
        response.raise_for_status()
        return response.json()


def operator(server: Server) -> ApiUser:
    return ApiUser(server, DEPLOYER)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 110, 70)).save(out, "PNG")
    return out.getvalue()


def new_task(city: ApiUser, *, title: str = "Clear litter from the Emmaplein", reward: str = "15.00",
             capacity: int = 5, district: str = "Heerlerbaan") -> dict:  # type: ignore[type-arg]
    return city.post("/tasks", json={"title": title, "description": "Pick up litter around the square.",
                                     "district": district, "reward": reward, "capacity": capacity,
                                     "latitude": 50.8868, "longitude": 5.9722, "minutes": 180})


def claim_with_proof(citizen: ApiUser, task_id: int) -> dict:  # type: ignore[type-arg]
    claim = citizen.post(f"/tasks/{task_id}/claims")
    photo = {"photo": ("proof.png", png_bytes(), "image/png")}
    return citizen.post(f"/claims/{claim['id']}/proof", files=photo, data={"note": "Done."})


def wait_for(check, what: str, timeout: float = 45.0):  # type: ignore[no-untyped-def]
    """Polls `check()` until it returns something truthy (the background workers are at work)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def funded_citizen(server: Server, reward: str = "15.00") -> LocalAccount:
    """A new citizen whose approved claim has been paid `reward` on chain."""
    city = operator(server)
    account = Account.create()
    citizen = ApiUser(server, account)
    claim = claim_with_proof(citizen, new_task(city, reward=reward)["id"])
    city.post(f"/claims/{claim['id']}/approve")
    wait_for(lambda: (citizen.get(f"/claims/{claim['id']}")["reward"] or {}).get("status") == "confirmed",  # type: ignore[index]
             "the reward to be confirmed")
    return account


def registered_shop(server: Server, name: str = "Boekhandel Kleine Markt") -> LocalAccount:
    """A new shop, registered by the city and accepted on chain."""
    city = operator(server)
    account = Account.create()
    city.post("/merchants", json={"address": account.address, "name": name, "iban": "NL91ABNA0417164300"})
    wait_for(lambda: server.runtime.chain.is_merchant(account.address), "the shop's registration on chain")
    return account
