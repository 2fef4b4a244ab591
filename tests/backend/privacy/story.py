"""A citizen's year through the real API on a real Anvil: rewarded claims, a rejected claim, a payment
at a shop, all indexed; and the chain's own `Rewarded` logs to check figures against."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from backend.indexer.service import Indexer
from backend.runtime import Runtime
from tests.backend.claims.helpers import Loop, run_sender
from tests.backend.payments.chain_helpers import set_merchant, signed_transfer
from tests.support.api import as_signed_in

REWARDED_TOPIC = "0x" + keccak(text="Rewarded(bytes32,address,uint256)").hex().removeprefix("0x")


@dataclass
class Story:
    citizen: LocalAccount
    shop: LocalAccount
    rewarded: list[int] = field(default_factory=list)  # claim ids
    rejected: int = 0
    payment_tx: str = ""


def live_a_year(loop: Loop, runtime: Runtime, *, rewards: tuple[str, ...] = ("15.00", "12.50")) -> Story:
    story = Story(citizen=Account.create(), shop=Account.create())
    for amount in rewards:
        claim_id, _ = loop.approved_claim(story.citizen, reward=amount, title=f"Job worth {amount}")
        story.rewarded.append(claim_id)
    run_sender(runtime, until_confirmed=len(rewards))
    story.rejected = loop.claim(story.citizen, loop.create_task(title="Blurry job"))
    assert loop.prove(story.citizen, story.rejected, note="I swept it <b>twice</b>").status_code == 200
    response = loop.client.post(
        f"/api/v1/claims/{story.rejected}/reject", json={"reason": "the photo is blurred"}, headers=loop.operator
    )
    assert response.status_code == 200, response.text
    set_merchant(runtime, story.shop.address)
    body = signed_transfer(runtime, story.citizen, story.shop.address, 500)
    paid = loop.client.post("/api/v1/payments", json=body, headers=as_signed_in(loop.client, story.citizen))
    assert paid.status_code == 201, paid.text
    story.payment_tx = paid.json()["tx_hash"]
    wait_until_confirmed(loop, runtime, story.payment_tx)
    return story


def wait_until_confirmed(loop: Loop, runtime: Runtime, tx_hash: str, seconds: float = 10.0) -> None:
    """Indexes the chain until the payment is confirmed (the indexer is what records it)."""
    deadline = time.monotonic() + seconds
    while True:
        index(runtime)
        status = loop.client.get(f"/api/v1/payments/{tx_hash}").json()["status"]
        if status == "confirmed":
            return
        assert time.monotonic() < deadline, f"payment {tx_hash} is still {status}"
        time.sleep(0.1)


def index(runtime: Runtime) -> None:
    Indexer(runtime).run_until_idle()


def rewarded_on_chain(w3: Web3, runtime: Runtime, citizen: str) -> list[int]:
    """The amounts (units) of every `Rewarded` log for `citizen`, read from the node itself."""
    logs = w3.eth.get_logs(
        {
            "fromBlock": 0,
            "toBlock": "latest",
            "address": runtime.deployment.address,
            "topics": [REWARDED_TOPIC, None, "0x" + citizen.lower().removeprefix("0x").rjust(64, "0")],
        }
    )
    return [int.from_bytes(bytes(log["data"]), "big") for log in logs]
