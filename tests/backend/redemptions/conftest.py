"""A registered shop with coins, signed in: the redemption tests' fixtures."""

from __future__ import annotations

import pytest
from eth_account import Account

from backend.db import transaction
from backend.merchants.models import Merchant
from tests.backend.payments.chain_helpers import mint, set_merchant


@pytest.fixture
def shop(runtime):
    """A merchant registered on chain and in the registry, holding 500.00 coins."""
    account = Account.create()
    set_merchant(runtime, account.address)
    mint(runtime, account.address, 50_000)
    with transaction(runtime.sessions) as session:
        session.add(
            Merchant(
                address=account.address,
                name="Bakkerij Pelzer",
                iban="NL91ABNA0417164300",
                active=True,
                chain_status="confirmed",
            )
        )
    return account


@pytest.fixture
def shop_headers(client, shop, sign_in):
    return sign_in(client, shop)
