"""Payment-request helpers: a registered shop signed in at its till, citizens with coins, and
authorizations signed with eth-account from the typed data the API hands out. Shared by the payment-request
and account tests."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

import backend.wiring  # noqa: F401 - the indexer's handlers are registered on import
from backend.chain import typed_data
from backend.db import transaction
from backend.indexer.service import Indexer
from backend.merchants.models import Merchant
from tests.backend.payments.chain_helpers import set_merchant

API = "/api/v1"


class Till:
    """A shop signed in at its till."""

    def __init__(self, client: Any, runtime: Any, sign_in: Any, name: str) -> None:
        self.client, self.runtime = client, runtime
        self.account: LocalAccount = Account.create()
        with transaction(runtime.sessions) as session:
            session.add(
                Merchant(
                    address=self.account.address,
                    name=name,
                    iban="NL02ABNA0123456789",
                    active=True,
                    chain_status="confirmed",
                )
            )
        set_merchant(runtime, self.account.address)
        self.headers = sign_in(client, self.account)

    def ask(self, amount: str, **extra: Any) -> dict[str, Any]:
        response = self.client.post(f"{API}/payment-requests", json={"amount": amount, **extra}, headers=self.headers)
        assert response.status_code == 201, response.text
        return response.json()

    def look(self, request_id: str) -> dict[str, Any]:
        response = self.client.get(f"{API}/payment-requests/{request_id}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def till(client: Any, runtime: Any, sign_in: Any) -> Till:
    """A shop signed in at its till (a fixture: conftests that need it import it from here)."""
    return Till(client, runtime, sign_in, "Bakkerij Jansen")


def signed_for_request(client: Any, payer: LocalAccount, request_id: str) -> dict[str, Any]:
    """POST /payments's body for `request_id`, signed by `payer` from the API's typed data."""
    response = client.post(f"{API}/payment-requests/{request_id}/typed-data", json={"from": payer.address})
    assert response.status_code == 200, response.text
    data = response.json()["typed_data"]
    signature = typed_data.sign(payer.key, data)
    m = data["message"]
    return {
        "from": m["from"],
        "to": m["to"],
        "value": int(m["value"]),
        "validAfter": int(m["validAfter"]),
        "validBefore": int(m["validBefore"]),
        "nonce": m["nonce"],
        "signature": signature.hex,
        "request_id": request_id,
    }


def confirm(client: Any, runtime: Any, tx_hash: str) -> None:
    """Lets the indexer record the payment's authorization as used (Anvil mines at once, one
    confirmation is enough here); the payment lookup only reads."""
    assert client.get(f"{API}/payments/{tx_hash}").status_code == 200
    Indexer(runtime).run_until_idle()
