"""Gasless authorizations signed for another chain or another contract (a replay from a test network, or
a phishing copy of the coin) are refused before anything is sent, and move no coins."""

from __future__ import annotations

import time

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from backend.chain import typed_data
from backend.chain.typed_data import Domain
from backend.runtime import Runtime
from tests.support.api import as_signed_in
from tests.support.people import make_merchant, mint

OTHER_CONTRACT = "0x1111111111111111111111111111111111111111"


def _domains(runtime: Runtime) -> dict[str, Domain]:
    real = Domain.of(runtime.deployment)
    return {
        "another chain": Domain(name=real.name, chain_id=100, verifying_contract=real.verifying_contract),
        "another contract": Domain(name=real.name, chain_id=real.chain_id, verifying_contract=OTHER_CONTRACT),
        "another token name": Domain(
            name="Fake Heitje", chain_id=real.chain_id, verifying_contract=real.verifying_contract
        ),
    }


@pytest.mark.parametrize("domain_kind", ["another chain", "another contract", "another token name"])
def test_a_payment_signed_for_another_domain_is_refused(
    client: TestClient, runtime: Runtime, domain_kind: str
) -> None:
    payer, shop = Account.create(), make_merchant(runtime)
    mint(runtime, payer.address, 5000)
    nonce, valid_before = typed_data.random_nonce(), int(time.time()) + 3600
    data = typed_data.transfer_with_authorization(
        _domains(runtime)[domain_kind],
        from_=payer.address,
        to=shop.address,
        value=1000,
        valid_after=0,
        valid_before=valid_before,
        nonce=nonce,
    )
    body = {
        "from": payer.address,
        "to": shop.address,
        "value": 1000,
        "validAfter": 0,
        "validBefore": valid_before,
        "nonce": nonce,
        "signature": typed_data.sign(payer.key, data).hex,
    }
    response = client.post("/api/v1/payments", json=body, headers=as_signed_in(client, payer))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_signature"
    assert runtime.chain.balance_of(payer.address) == 5000


@pytest.mark.parametrize("domain_kind", ["another chain", "another contract"])
def test_a_redemption_signed_for_another_domain_is_refused(
    client: TestClient,
    runtime: Runtime,
    sign_in,  # type: ignore[no-untyped-def]
    domain_kind: str,
) -> None:
    shop = make_merchant(runtime)
    mint(runtime, shop.address, 5000)
    offer = client.post("/api/v1/redemptions", json={"amount": "10.00"}, headers=sign_in(client, shop))
    assert offer.status_code == 201, offer.text
    o = offer.json()
    data = typed_data.redeem_with_authorization(
        _domains(runtime)[domain_kind],
        merchant=shop.address,
        amount=o["units"],
        ref=o["ref"],
        valid_after=o["validAfter"],
        valid_before=o["validBefore"],
        nonce=o["nonce"],
    )
    body = {
        "merchant": shop.address,
        "amount": o["units"],
        "ref": o["ref"],
        "validAfter": o["validAfter"],
        "validBefore": o["validBefore"],
        "nonce": o["nonce"],
        "signature": typed_data.sign(shop.key, data).hex,
    }
    response = client.post("/api/v1/redemptions/relay", json=body, headers=as_signed_in(client, shop))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_signature"
    assert runtime.chain.balance_of(shop.address) == 5000


def test_a_payment_signed_by_someone_else_for_the_payer_is_refused(
    client: TestClient, runtime: Runtime
) -> None:
    payer, thief, shop = Account.create(), Account.create(), make_merchant(runtime)
    mint(runtime, payer.address, 5000)
    nonce, valid_before = typed_data.random_nonce(), int(time.time()) + 3600
    data = typed_data.transfer_with_authorization(
        Domain.of(runtime.deployment),
        from_=payer.address,
        to=shop.address,
        value=5000,
        valid_after=0,
        valid_before=valid_before,
        nonce=nonce,
    )
    body = {
        "from": payer.address,
        "to": shop.address,
        "value": 5000,
        "validAfter": 0,
        "validBefore": valid_before,
        "nonce": nonce,
        "signature": typed_data.sign(thief.key, data).hex,
    }
    response = client.post("/api/v1/payments", json=body, headers=as_signed_in(client, payer))
    assert response.status_code == 422
    assert runtime.chain.balance_of(payer.address) == 5000


def test_a_signed_payment_with_a_raised_value_is_refused(client: TestClient, runtime: Runtime) -> None:
    payer, shop = Account.create(), make_merchant(runtime)
    mint(runtime, payer.address, 5000)
    nonce, valid_before = typed_data.random_nonce(), int(time.time()) + 3600
    data = typed_data.transfer_with_authorization(
        Domain.of(runtime.deployment),
        from_=payer.address,
        to=shop.address,
        value=100,
        valid_after=0,
        valid_before=valid_before,
        nonce=nonce,
    )
    body = {
        "from": payer.address,
        "to": shop.address,
        "value": 5000,
        "validAfter": 0,
        "validBefore": valid_before,
        "nonce": nonce,
        "signature": typed_data.sign(payer.key, data).hex,
    }
    response = client.post("/api/v1/payments", json=body, headers=as_signed_in(client, payer))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_signature"
    assert runtime.chain.balance_of(payer.address) == 5000
