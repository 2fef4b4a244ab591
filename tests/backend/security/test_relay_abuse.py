"""The relayer's gas is the city's money: nobody relays without signing in as the payer (or the merchant
who redeems), relays have their own rate limit, tiny amounts are refused, and each payer and each day
has a gas budget. Operators see the relayer's balance, and /healthz warns before it runs dry.

(Issue 11: 50 tiny payments back and forth between a shop and a citizen, without signing in, all
relayed: ~3.9 million gas of the relayer's money spent, nothing gained.)"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.chain import typed_data
from backend.runtime import Runtime
from tests.backend.payments.chain_helpers import balance, signed_transfer
from tests.backend.security.asgi import call
from tests.support.accounts import DEPLOYER, RELAYER
from tests.support.api import sign_in
from tests.support.chain import web3_of
from tests.support.payment_requests import Till, signed_for_request
from tests.support.people import make_merchant, mint

PAY = "/api/v1/payments"
REDEEM = "/api/v1/redemptions"
RELAYER_STATUS = "/api/v1/relayer"
# Windows are aligned to multiples of their length since 1970: one this long cannot end mid-test.
W = 10**9


@contextmanager
def api_process(runtime: Runtime, ip: str = "198.51.100.1", **settings: Any) -> Iterator[TestClient]:
    """One more API process on the same database and chain, with `settings` changed."""
    changed = runtime.settings.model_copy(update=settings)
    process = Runtime(settings=changed, deployment=runtime.deployment)
    try:
        with TestClient(create_app(process, web_dir=None), client=(ip, 40000)) as client:
            yield client
    finally:
        process.close()


def relayer_wei(runtime: Runtime) -> int:
    return int(web3_of(runtime.chain).eth.get_balance(RELAYER.address))


def citizen_and_shop(runtime: Runtime, units: int = 10_000) -> tuple[LocalAccount, LocalAccount]:
    citizen: LocalAccount = Account.create()
    mint(runtime, citizen.address, units)
    return citizen, make_merchant(runtime)


def redemption_body(client: TestClient, shop: LocalAccount, amount: str = "10.00") -> dict[str, Any]:
    """A redemption ref asked for by `shop` (signed in) and its redeemWithAuthorization, signed."""
    offer = client.post(REDEEM, json={"amount": amount}, headers=sign_in(client, shop))
    assert offer.status_code == 201, offer.text
    o = offer.json()
    signature = typed_data.sign(shop.key, o["typed_data"])
    return {
        "merchant": shop.address,
        "amount": o["units"],
        "ref": o["ref"],
        "validAfter": o["validAfter"],
        "validBefore": o["validBefore"],
        "nonce": o["nonce"],
        "signature": signature.hex,
    }


def seconds_to_midnight(zone: str) -> float:
    now = datetime.now(ZoneInfo(zone))
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(zone))
    return (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds()


# --- who may relay --------------------------------------------------------------------------------


def test_fifty_tiny_payments_without_signing_in_spend_none_of_the_relayers_gas(
    client: TestClient, runtime: Runtime
) -> None:
    citizen, shop = citizen_and_shop(runtime)
    mint(runtime, shop.address, 10_000)
    gas_before = relayer_wei(runtime)

    statuses = set()
    for _ in range(25):
        statuses.add(client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 1)).status_code)
        statuses.add(client.post(PAY, json=signed_transfer(runtime, shop, citizen.address, 1)).status_code)

    assert statuses == {401}
    assert relayer_wei(runtime) == gas_before
    assert balance(runtime, citizen.address) == 10_000


@pytest.mark.parametrize("path", [PAY, f"{REDEEM}/relay"])
def test_a_relay_without_a_token_is_401_before_its_body_is_read(runtime: Runtime, path: str) -> None:
    answer = call(
        create_app(runtime, web_dir=None),
        "POST",
        path,
        headers={"content-length": "60000", "content-type": "application/json"},
        chunks=50,
        chunk=b" " * 1024,
    )
    assert (answer.status, answer.json()["error"]["code"]) == (401, "unauthorized")
    assert answer.chunks_read == 0


def test_a_payment_relayed_by_someone_else_is_403_not_the_payer(client: TestClient, runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)
    stranger = Account.create()

    response = client.post(
        PAY, json=signed_transfer(runtime, citizen, shop.address, 500), headers=sign_in(client, stranger)
    )

    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_the_payer")
    assert balance(runtime, citizen.address) == 10_000


def test_the_receiving_shop_cannot_relay_the_citizens_payment(client: TestClient, runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)

    response = client.post(
        PAY, json=signed_transfer(runtime, citizen, shop.address, 500), headers=sign_in(client, shop)
    )

    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_the_payer")


def test_an_operator_does_not_relay_for_a_citizen(client: TestClient, runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)

    response = client.post(
        PAY, json=signed_transfer(runtime, citizen, shop.address, 500), headers=sign_in(client, DEPLOYER)
    )

    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_the_payer")
    assert balance(runtime, shop.address) == 0


def test_the_payer_signed_in_relays_their_payment(client: TestClient, runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)

    response = client.post(
        PAY, json=signed_transfer(runtime, citizen, shop.address, 500), headers=sign_in(client, citizen)
    )

    assert response.status_code == 201, response.text
    assert balance(runtime, shop.address) == 500


def test_a_redemption_relayed_by_someone_other_than_its_merchant_is_403(
    client: TestClient, runtime: Runtime
) -> None:
    shop = make_merchant(runtime)
    mint(runtime, shop.address, 5000)
    body = redemption_body(client, shop)

    for who in (Account.create(), DEPLOYER):
        response = client.post(f"{REDEEM}/relay", json=body, headers=sign_in(client, who))
        assert (response.status_code, response.json()["error"]["code"]) == (403, "not_the_payer")
    assert balance(runtime, shop.address) == 5000

    relayed = client.post(f"{REDEEM}/relay", json=body, headers=sign_in(client, shop))
    assert relayed.status_code == 201, relayed.text
    assert balance(runtime, shop.address) == 4000


def test_paying_a_payment_request_as_someone_else_is_403_and_leaves_it_open(
    client: TestClient, runtime: Runtime
) -> None:
    till = Till(client, runtime, sign_in, "Bakkerij")
    request = till.ask("3.00")
    citizen: LocalAccount = Account.create()
    mint(runtime, citizen.address, 1000)
    body = signed_for_request(client, citizen, request["id"])

    refused = client.post(PAY, json=body, headers=till.headers)

    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_the_payer")
    assert till.look(request["id"])["status"] == "open"
    assert client.post(PAY, json=body, headers=sign_in(client, citizen)).status_code == 201


# --- how much --------------------------------------------------------------------------------------


def test_a_payment_below_the_minimum_is_422_amount_too_small_and_costs_no_gas(runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)
    with api_process(runtime, min_relay_amount=Decimal("0.50")) as client:
        headers = sign_in(client, citizen)
        gas_before = relayer_wei(runtime)
        refused = client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 49), headers=headers)
        assert relayer_wei(runtime) == gas_before
        accepted = client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 50), headers=headers)

    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "amount_too_small")
    assert refused.json()["error"]["details"]["minimum"] == "0.50"
    assert accepted.status_code == 201, accepted.text


def test_a_redemption_below_the_minimum_is_422_amount_too_small(runtime: Runtime) -> None:
    shop = make_merchant(runtime)
    mint(runtime, shop.address, 5000)
    with api_process(runtime, min_relay_amount=Decimal("5.00")) as client:
        body = redemption_body(client, shop, amount="1.00")
        refused = client.post(f"{REDEEM}/relay", json=body, headers=sign_in(client, shop))

    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "amount_too_small")
    assert balance(runtime, shop.address) == 5000


# --- how often -------------------------------------------------------------------------------------


def test_relays_past_their_rate_limit_are_429_with_retry_after(runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)
    with api_process(runtime, rate_limits=f"relays=3/{W}") as client:
        headers = sign_in(client, citizen)
        statuses = [
            client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 100), headers=headers).status_code
            for _ in range(4)
        ]
        refused = client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 100), headers=headers)

    assert statuses == [201, 201, 201, 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["details"]["bucket"] == "relays"
    assert abs(int(refused.headers["Retry-After"]) - (W - time.time() % W)) <= 2
    assert balance(runtime, shop.address) == 300


def test_the_relay_limit_counts_payments_and_redemptions_of_an_account_from_every_address(
    runtime: Runtime,
) -> None:
    shop = make_merchant(runtime)
    mint(runtime, shop.address, 5000)
    citizen: LocalAccount = Account.create()
    limits = f"relays=2/{W}"
    with api_process(runtime, ip="198.51.100.1", rate_limits=limits) as home:
        headers = sign_in(home, shop)
        body = redemption_body(home, shop)
        assert home.post(f"{REDEEM}/relay", json=body, headers=headers).status_code == 201
        paid = home.post(PAY, json=signed_transfer(runtime, shop, citizen.address, 100), headers=headers)
        assert paid.status_code in (201, 422)  # counted either way (422: person-to-person transfers closed)
    with api_process(runtime, ip="198.51.100.2", rate_limits=limits) as elsewhere:
        refused = elsewhere.post(f"{REDEEM}/relay", json=redemption_body(elsewhere, shop), headers=headers)

    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")


# --- the relayer's gas budget ----------------------------------------------------------------------


def _gas_of_one_relay(runtime: Runtime, citizen: LocalAccount, shop: LocalAccount) -> int:
    """Relays one payment and answers the gas the operator's view says it cost."""
    with api_process(runtime) as client:
        headers = sign_in(client, citizen)
        paid = client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 100), headers=headers)
        assert paid.status_code == 201, paid.text
        status = client.get(RELAYER_STATUS, headers=sign_in(client, DEPLOYER)).json()
    assert status["today"]["relays"] == 1
    return int(status["today"]["gas"])


def test_a_payer_past_their_daily_gas_budget_is_429_until_the_day_ends(runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)
    gas = _gas_of_one_relay(runtime, citizen, shop)

    with api_process(runtime, relay_gas_per_payer_day=gas * 2 + gas // 2) as client:
        headers = sign_in(client, citizen)
        second = client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 100), headers=headers)
        relayer_before = relayer_wei(runtime)
        refused = client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 100), headers=headers)
        assert relayer_wei(runtime) == relayer_before
        other, _ = citizen_and_shop(runtime)
        others = client.post(
            PAY, json=signed_transfer(runtime, other, shop.address, 100), headers=sign_in(client, other)
        )

    assert second.status_code == 201, second.text
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "gas_budget_exhausted")
    assert refused.json()["error"]["details"]["budget"] == "payer"
    expected = seconds_to_midnight(runtime.settings.cap_timezone)
    assert abs(int(refused.headers["Retry-After"]) - expected) <= 5
    assert others.status_code == 201, others.text
    assert balance(runtime, shop.address) == 300


def test_the_days_total_gas_budget_holds_across_payers(runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)
    gas = _gas_of_one_relay(runtime, citizen, shop)

    with api_process(runtime, relay_gas_per_day=gas * 2 + gas // 2) as client:
        others = [citizen_and_shop(runtime)[0] for _ in range(2)]
        answers = [
            client.post(PAY, json=signed_transfer(runtime, who, shop.address, 100), headers=sign_in(client, who))
            for who in others
        ]

    assert [a.status_code for a in answers] == [201, 429]
    assert answers[1].json()["error"]["code"] == "gas_budget_exhausted"
    assert answers[1].json()["error"]["details"]["budget"] == "total"


def test_a_redemption_counts_against_the_merchants_gas_budget(runtime: Runtime) -> None:
    shop = make_merchant(runtime)
    mint(runtime, shop.address, 5000)
    with api_process(runtime, relay_gas_per_payer_day=1000) as client:
        refused = client.post(f"{REDEEM}/relay", json=redemption_body(client, shop), headers=sign_in(client, shop))

    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "gas_budget_exhausted")
    assert balance(runtime, shop.address) == 5000


# --- the operator's view ---------------------------------------------------------------------------


def test_operators_see_the_relayers_balance_and_todays_gas(client: TestClient, runtime: Runtime) -> None:
    citizen, shop = citizen_and_shop(runtime)
    client.post(PAY, json=signed_transfer(runtime, citizen, shop.address, 100), headers=sign_in(client, citizen))
    balance(runtime, shop.address)  # mined

    status = client.get(RELAYER_STATUS, headers=sign_in(client, DEPLOYER))

    assert status.status_code == 200, status.text
    body = status.json()
    assert body["address"] == RELAYER.address
    assert Decimal(body["balance"]) == Decimal(relayer_wei(runtime)) / 10**18
    assert body["today"]["relays"] == 1 and body["today"]["gas"] > 20_000
    assert body["today"]["gas_budget"] == runtime.settings.relay_gas_per_day
    assert body["relays_left"] > 1000 and body["low"] is False


def test_only_operators_see_the_relayer(client: TestClient) -> None:
    assert client.get(RELAYER_STATUS).status_code == 401
    assert client.get(RELAYER_STATUS, headers=sign_in(client, Account.create())).status_code == 403


def test_healthz_warns_but_does_not_fail_when_the_relayer_runs_low(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    # Anvil's relayer holds 10,000 ETH: a threshold of 10**15 relays is far above what it pays for.
    with api_process(runtime, relayer_low_balance=10**15) as client, caplog.at_level(logging.WARNING):
        health = client.get("/healthz")
        status = client.get(RELAYER_STATUS, headers=sign_in(client, DEPLOYER)).json()

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert [w["code"] for w in health.json()["warnings"]] == ["relayer_low_balance"]
    assert status["low"] is True
    assert any("relayer" in r.getMessage() and "low" in r.getMessage() for r in caplog.records)


def test_healthz_has_no_warning_while_the_relayer_has_enough(client: TestClient, runtime: Runtime) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["warnings"] == []
    assert body["relayer"]["relays_left"] > runtime.settings.relayer_low_balance
