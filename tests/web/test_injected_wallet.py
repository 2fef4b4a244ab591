"""A browser wallet (EIP-1193, like MetaMask) instead of the app's own: sign-in and a payment go
through `window.ethereum`. The stand-in provider here signs with eth-account in the test process."""

from __future__ import annotations

import json

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from playwright.sync_api import expect

from tests.web.helpers import PageFactory, Server, by_id
from tests.web.setup_api import funded_citizen, registered_shop

PROVIDER = """
window.ethereum = {
  isHeitjeTestWallet: true,
  request: async ({ method, params }) => {
    const answer = JSON.parse(await window.__wallet(method, JSON.stringify(params || [])));
    if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
    return answer.result;
  },
  on() {}, removeListener() {},
};
"""


def _provider(account, chain_id: int, calls: list[str]):
    def handle(method: str, raw_params: str) -> str:
        params = json.loads(raw_params)
        calls.append(method)
        if method in ("eth_requestAccounts", "eth_accounts"):
            result: object = [account.address]
        elif method == "eth_chainId":
            result = hex(chain_id)
        elif method == "personal_sign":
            signed = account.sign_message(encode_defunct(hexstr=params[0]))
            result = "0x" + signed.signature.hex().removeprefix("0x")
        elif method == "eth_signTypedData_v4":
            typed = json.loads(params[1])
            signed = Account.sign_typed_data(account.key, full_message=encode_typed_data_fix(typed))
            result = "0x" + signed.signature.hex().removeprefix("0x")
        else:
            return json.dumps({"error": {"code": 4200, "message": f"unsupported {method}"}})
        return json.dumps({"result": result})

    return handle


def _int(value: object) -> int:
    return int(value, 0) if isinstance(value, str) else int(value)  # type: ignore[call-overload]


def encode_typed_data_fix(typed: dict) -> dict:  # type: ignore[type-arg]
    """ethers sends uint256 values as strings (the chain id as hex); eth-account wants integers."""
    uints = {f["name"] for f in typed["types"][typed["primaryType"]] if f["type"].startswith("uint")}
    message = {k: _int(v) if k in uints else v for k, v in typed["message"].items()}
    domain = {k: _int(v) if k == "chainId" else v for k, v in typed["domain"].items()}
    encode_typed_data(full_message={**typed, "message": message, "domain": domain})  # raises if malformed
    return {**typed, "message": message, "domain": domain}


def test_browser_wallet_signs_in_and_pays_a_shop(server: Server, new_page: PageFactory) -> None:
    citizen = funded_citizen(server)
    shop = registered_shop(server, name="Fietsenmaker Welten")
    page = new_page("en")
    calls: list[str] = []
    page.expose_function("__wallet", _provider(citizen, server.runtime.deployment.chain_id, calls))
    page.add_init_script(PROVIDER)
    page.goto("/")
    by_id(page, "start-injected").click()
    expect(by_id(page, "tasks")).to_be_visible()
    assert "personal_sign" in calls
    assert page.evaluate("localStorage.getItem('heitje.keystore')") is None

    page.goto(f"/#/pay?to={shop.address}&amount=6.00")
    expect(by_id(page, "pay-shop")).to_have_text("Fietsenmaker Welten")
    by_id(page, "pay-confirm-button").click()
    expect(by_id(page, "pay-done")).to_be_visible()
    assert "eth_signTypedData_v4" in calls, calls
    assert server.runtime.chain.balance_of(shop.address) == 600
