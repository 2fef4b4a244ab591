"""Payment requests: a till's request is paid at most once, only as asked, only while open, and the
till sees only its own request's payment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eth_account import Account
from eth_utils import keccak
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from backend.chain import typed_data
from backend.chain.payment_requests import request_nonce
from backend.chain.typed_data import Domain
from backend.db import transaction, utcnow
from backend.payment_requests.models import PaymentRequest
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.payments.chain_helpers import balance, citizen_with, transact
from tests.support.api import as_signed_in
from tests.support.payment_requests import API, confirm, signed_for_request

PAY = f"{API}/payments"


def test_a_request_has_a_link_into_the_app_and_is_open(till):
    request = till.ask("3.00", order="till-1/0001")

    assert request["status"] == "open" and request["amount"] == "3.00" and request["order"] == "till-1/0001"
    assert request["url"] == f"http://testserver/#/pay/{request['id']}"
    assert request["merchant"] == till.account.address and request["merchant_name"] == "Bakkerij Jansen"
    assert request["nonce"] == request_nonce(request["id"], till.account.address)
    assert request["payment"] is None


def test_a_request_is_paid_once_at_inclusion_and_confirmed_by_the_indexer(client, runtime, till):
    citizen = citizen_with(runtime, 1000)
    request = till.ask("3.00")
    body = signed_for_request(client, citizen, request["id"])

    first = client.post(PAY, json=body, headers=as_signed_in(client, citizen))
    again = client.post(
        PAY, json=body, headers=as_signed_in(client, citizen)
    )  # the same authorization (a retry): the same payment

    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert first.json()["tx_hash"] == again.json()["tx_hash"]
    assert balance(runtime, till.account.address) == 300 and balance(runtime, citizen.address) == 700
    included = till.look(request["id"])  # Anvil mined it at once: paid, not yet counted
    assert (included["status"], included["confirmed"], included["payment"]["status"]) == ("paid", False, "sent")

    confirm(client, runtime, first.json()["tx_hash"])

    seen = till.look(request["id"])
    assert (seen["status"], seen["confirmed"], seen["payment"]["status"]) == ("paid", True, "confirmed")
    assert seen["payment"]["tx_hash"] == first.json()["tx_hash"] and seen["payment"]["amount"] == "3.00"


def test_a_second_authorization_for_the_same_request_is_refused_and_the_chain_would_refuse_it_too(
    client, runtime, till
):
    citizen = citizen_with(runtime, 1000)
    request = till.ask("3.00")
    first = signed_for_request(client, citizen, request["id"])
    assert client.post(PAY, json=first, headers=as_signed_in(client, citizen)).status_code == 201
    # A second signature (the Back button, a rescan): a different validBefore, the request's nonce.
    second = dict(first)
    second["validBefore"] = first["validBefore"] - 10
    data = typed_data.transfer_with_authorization(
        Domain.of(runtime.deployment),
        from_=citizen.address,
        to=first["to"],
        value=first["value"],
        valid_after=0,
        valid_before=second["validBefore"],
        nonce=first["nonce"],
    )
    signature = typed_data.sign(citizen.key, data)
    second["signature"] = signature.hex

    refused = client.post(PAY, json=second, headers=as_signed_in(client, citizen))

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "payment_request_paid"
    assert balance(runtime, citizen.address) == 700
    used = "0x" + keccak(b"ERC3009UsedAuthorization(address,bytes32)")[:4].hex()
    with pytest.raises(Exception, match=used):  # the coin's own refusal: this nonce was executed
        transact(
            runtime,
            ANVIL_TEST_KEYS["deployer"],
            "transferWithAuthorization",
            citizen.address,
            first["to"],
            first["value"],
            0,
            second["validBefore"],
            bytes.fromhex(first["nonce"][2:]),
            signature.v,
            signature.r,
            signature.s,
        )
    assert balance(runtime, citizen.address) == 700


def test_another_payer_for_a_paid_request_is_refused(client, runtime, till):
    first, other = citizen_with(runtime, 1000), citizen_with(runtime, 1000)
    request = till.ask("3.00")
    assert client.post(
        PAY, json=signed_for_request(client, first, request["id"]), headers=as_signed_in(client, first)
    ).status_code == 201

    typed = client.post(f"{API}/payment-requests/{request['id']}/typed-data", json={"from": other.address})

    assert typed.status_code == 409 and typed.json()["error"]["code"] == "payment_request_paid"
    assert balance(runtime, other.address) == 1000


def test_an_expired_request_is_refused(client, runtime, till):
    citizen = citizen_with(runtime, 1000)
    request = till.ask("3.00", expires_in=60)
    body = signed_for_request(client, citizen, request["id"])
    with transaction(runtime.sessions) as session:
        session.execute(
            update(PaymentRequest)
            .where(PaymentRequest.id == request["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )

    refused = client.post(PAY, json=body, headers=as_signed_in(client, citizen))

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment_request_expired"
    assert till.look(request["id"])["status"] == "expired"
    assert balance(runtime, citizen.address) == 1000


def test_a_transfer_that_differs_from_the_request_is_refused(client, runtime, till):
    citizen = citizen_with(runtime, 1000)
    request = till.ask("3.00")
    other = till.ask("2.00")
    body = signed_for_request(client, citizen, other["id"])  # signed for 2,00 ...
    body["request_id"] = request["id"]  # ... sent for the 3,00 request

    refused = client.post(PAY, json=body, headers=as_signed_in(client, citizen))

    assert refused.status_code == 422 and refused.json()["error"]["code"] == "payment_request_mismatch"
    assert balance(runtime, citizen.address) == 1000 and till.look(request["id"])["status"] == "open"


def test_the_till_sees_only_its_own_requests_payment(client, runtime, till):
    citizen = citizen_with(runtime, 1000)
    old = till.ask("3.00")
    new = till.ask("2.00")

    paid = client.post(PAY, json=signed_for_request(client, citizen, old["id"]), headers=as_signed_in(client, citizen))
    confirm(client, runtime, paid.json()["tx_hash"])

    assert till.look(new["id"])["status"] == "open" and till.look(new["id"])["payment"] is None
    assert till.look(old["id"])["status"] == "paid"


def test_a_refused_relay_leaves_the_request_open(client, runtime, till):
    poor = citizen_with(runtime, 100)
    request = till.ask("3.00")

    refused = client.post(PAY, json=signed_for_request(client, poor, request["id"]), headers=as_signed_in(client, poor))

    assert refused.status_code == 422 and refused.json()["error"]["code"] == "insufficient_balance"
    assert till.look(request["id"])["status"] == "open"


def test_only_a_registered_shop_creates_requests(client, sign_in):
    headers = sign_in(client, Account.create())

    response = client.post(f"{API}/payment-requests", json={"amount": "3.00"}, headers=headers)

    assert response.status_code == 403


def test_an_unknown_request_is_not_found(client):
    assert client.get(f"{API}/payment-requests/nope").json()["error"]["code"] == "not_found"


def test_the_database_binds_a_payment_to_at_most_one_request(client, runtime, till):
    citizen = citizen_with(runtime, 1000)
    paid, other = till.ask("3.00"), till.ask("3.00")
    relayed = client.post(
        PAY, json=signed_for_request(client, citizen, paid["id"]), headers=as_signed_in(client, citizen)
    )
    payment_id = relayed.json()["id"]

    with pytest.raises(IntegrityError), transaction(runtime.sessions) as session:
        session.execute(update(PaymentRequest).where(PaymentRequest.id == other["id"]).values(payment_id=payment_id))
