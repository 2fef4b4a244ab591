"""Gasless payments: EIP-3009 transfer/receive/cancel, redeemWithAuthorization (same nonce space) and
EIP-2612 permit, all signed with eth-account against the domain {name, version "1", chainId, contract}."""

import brownie
import pytest
from brownie import chain
from eth_account import Account
from eth_utils import keccak
from localcoin_helpers import NAME

REF = b"SEPA-2026-0042".ljust(32, b"\0")
AMOUNT = 100
OTHER_CONTRACT = "0x" + "42" * 20


@pytest.fixture(scope="module", autouse=True)
def balances(pay, alice, shop):
    pay(alice, 1_000)
    pay(shop, 1_000)


class Authorization:
    """One kind of signed authorization: who signs it, what they sign, who submits it, what it does."""

    def __init__(self, kind, coin, alice, shop, relayer):
        self.kind, self.coin, self.relayer = kind, coin, relayer
        self.signer = shop if kind == "redeem" else alice
        self.primary_type = {
            "transfer": "TransferWithAuthorization",
            "receive": "ReceiveWithAuthorization",
            "redeem": "RedeemWithAuthorization",
        }[kind]
        self.shop = shop

    def message(self, nonce, valid_after=0, valid_before=None, signer=None):
        signer = signer or self.signer
        window = {
            "validAfter": valid_after,
            "validBefore": chain.time() + 3600 if valid_before is None else valid_before,
            "nonce": nonce,
        }
        if self.kind == "redeem":
            return {"merchant": signer.address, "amount": AMOUNT, "ref": REF, **window}
        return {"from": signer.address, "to": self.shop.address, "value": AMOUNT, **window}

    def submit(self, message, vrs, sender=None):
        window = (message["validAfter"], message["validBefore"], message["nonce"], *vrs)
        if self.kind == "redeem":
            return self.coin.redeemWithAuthorization(
                message["merchant"], AMOUNT, REF, *window, {"from": sender or self.relayer}
            )
        if self.kind == "transfer":
            return self.coin.transferWithAuthorization(
                message["from"], message["to"], AMOUNT, *window, {"from": sender or self.relayer}
            )
        # receiveWithAuthorization: the payee submits it
        return self.coin.receiveWithAuthorization(
            message["from"], message["to"], AMOUNT, *window, {"from": sender or self.shop}
        )


@pytest.fixture(params=["transfer", "receive", "redeem"])
def auth(request, coin, alice, shop, relayer):
    return Authorization(request.param, coin, alice, shop, relayer)


# -- EIP-3009 and redeemWithAuthorization, each case for each kind -------------------------------------


def test_a_valid_authorization_moves_the_coins(auth, coin, shop, sign_typed, nonce):
    message = auth.message(nonce)
    supply = coin.totalSupply()

    tx = auth.submit(message, sign_typed(auth.signer, auth.primary_type, message))

    expected_shop = 1_000 - AMOUNT if auth.kind == "redeem" else 1_000 + AMOUNT
    assert coin.balanceOf(shop) == expected_shop
    assert coin.totalSupply() == supply - (AMOUNT if auth.kind == "redeem" else 0)
    assert coin.authorizationState(auth.signer, nonce)
    assert tx.events["AuthorizationUsed"][0] == {"authorizer": auth.signer, "nonce": "0x" + nonce.hex()}


def _last_block_time():
    """Every later block is at least this late (chain.time() may run ahead of the node's clock)."""
    return chain[-1].timestamp


def test_an_expired_authorization_reverts(auth, sign_typed, nonce, custom_error):
    before = _last_block_time()
    message = auth.message(nonce, valid_before=before)

    with brownie.reverts(custom_error("ERC3009InvalidAuthorizationTime(uint256,uint256)", 0, before)):
        auth.submit(message, sign_typed(auth.signer, auth.primary_type, message))


def test_a_not_yet_valid_authorization_reverts(auth, sign_typed, nonce, custom_error):
    after = chain.time() + 600
    message = auth.message(nonce, valid_after=after)

    with brownie.reverts(
        custom_error("ERC3009InvalidAuthorizationTime(uint256,uint256)", after, message["validBefore"])
    ):
        auth.submit(message, sign_typed(auth.signer, auth.primary_type, message))


def test_an_authorization_signed_by_someone_else_reverts(auth, bob, sign_typed, nonce, custom_error):
    message = auth.message(nonce)

    with brownie.reverts(custom_error("ERC3009InvalidSignature()")):
        auth.submit(message, sign_typed(bob, auth.primary_type, message))


def test_a_replayed_authorization_reverts(auth, sign_typed, nonce, custom_error):
    message = auth.message(nonce)
    vrs = sign_typed(auth.signer, auth.primary_type, message)
    auth.submit(message, vrs)

    with brownie.reverts(custom_error("ERC3009UsedAuthorization(address,bytes32)", auth.signer, nonce)):
        auth.submit(message, vrs)


def test_a_cancelled_authorization_reverts(auth, coin, relayer, sign_typed, nonce, custom_error):
    message = auth.message(nonce)
    vrs = sign_typed(auth.signer, auth.primary_type, message)
    cancel_message = {"authorizer": auth.signer.address, "nonce": nonce}
    cancel = sign_typed(auth.signer, "CancelAuthorization", cancel_message)
    coin.cancelAuthorization(auth.signer, nonce, *cancel, {"from": relayer})

    with brownie.reverts(custom_error("ERC3009UsedAuthorization(address,bytes32)", auth.signer, nonce)):
        auth.submit(message, vrs)


def test_an_authorization_for_another_chain_reverts(auth, sign_typed, nonce, custom_error):
    message = auth.message(nonce)

    with brownie.reverts(custom_error("ERC3009InvalidSignature()")):
        auth.submit(message, sign_typed(auth.signer, auth.primary_type, message, chainId=chain.id + 1))


def test_an_authorization_for_another_contract_reverts(auth, sign_typed, nonce, custom_error):
    message = auth.message(nonce)

    with brownie.reverts(custom_error("ERC3009InvalidSignature()")):
        vrs = sign_typed(auth.signer, auth.primary_type, message, verifyingContract=OTHER_CONTRACT)
        auth.submit(message, vrs)


# -- kind-specific rules ---------------------------------------------------------------------------------


def test_receive_with_authorization_submitted_by_another_than_the_payee_reverts(
    coin, alice, shop, relayer, sign_typed, nonce, custom_error
):
    auth = Authorization("receive", coin, alice, shop, relayer)
    message = auth.message(nonce)

    with brownie.reverts(custom_error("ERC20InvalidReceiver(address)", shop)):
        auth.submit(message, sign_typed(alice, auth.primary_type, message), sender=relayer)


def test_transfer_with_authorization_between_citizens_reverts_while_closed(
    coin, alice, bob, relayer, sign_typed, nonce, custom_error
):
    auth = Authorization("transfer", coin, alice, bob, relayer)
    message = auth.message(nonce)

    with brownie.reverts(custom_error("LocalCoinTransferNotAllowed(address,address)", alice, bob)):
        auth.submit(message, sign_typed(alice, auth.primary_type, message))


def test_redeem_with_authorization_by_a_citizen_reverts(coin, alice, shop, relayer, sign_typed, nonce,
                                                        custom_error):
    auth = Authorization("redeem", coin, alice, shop, relayer)
    message = auth.message(nonce, signer=alice)

    with brownie.reverts(custom_error("LocalCoinNotMerchant(address)", alice)):
        auth.submit(message, sign_typed(alice, auth.primary_type, message))


def test_redeem_shares_the_nonce_space_of_eip3009(coin, alice, shop, relayer, sign_typed, nonce,
                                                  custom_error):
    # The shop pays alice by transferWithAuthorization (Authorization's signer is its 3rd argument).
    pay_alice = Authorization("transfer", coin, shop, alice, relayer)
    message = pay_alice.message(nonce)
    pay_alice.submit(message, sign_typed(shop, "TransferWithAuthorization", message))

    redeem = Authorization("redeem", coin, alice, shop, relayer)
    message = redeem.message(nonce)
    with brownie.reverts(custom_error("ERC3009UsedAuthorization(address,bytes32)", shop, nonce)):
        redeem.submit(message, sign_typed(shop, "RedeemWithAuthorization", message))


def test_cancel_authorization_marks_the_nonce_used_and_emits(coin, alice, relayer, sign_typed, nonce):
    vrs = sign_typed(alice, "CancelAuthorization", {"authorizer": alice.address, "nonce": nonce})

    tx = coin.cancelAuthorization(alice, nonce, *vrs, {"from": relayer})

    assert coin.authorizationState(alice, nonce)
    assert tx.events["AuthorizationCanceled"][0] == {"authorizer": alice, "nonce": "0x" + nonce.hex()}


def test_cancel_authorization_signed_by_someone_else_reverts(coin, alice, bob, relayer, sign_typed, nonce,
                                                             custom_error):
    vrs = sign_typed(bob, "CancelAuthorization", {"authorizer": alice.address, "nonce": nonce})

    with brownie.reverts(custom_error("ERC3009InvalidSignature()")):
        coin.cancelAuthorization(alice, nonce, *vrs, {"from": relayer})


def test_the_domain_is_the_token_name_version_1_this_chain_and_contract(coin, domain):
    fields, name, version, chain_id, contract, _, _ = coin.eip712Domain()

    assert (name, version, chain_id, contract) == (NAME, "1", chain.id, coin.address)
    type_hash = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    expected = keccak(
        type_hash + keccak(text=NAME) + keccak(text="1") + chain.id.to_bytes(32, "big")
        + bytes(12) + bytes.fromhex(coin.address[2:])
    )
    assert coin.DOMAIN_SEPARATOR() == "0x" + expected.hex()


def test_the_redeem_type_hash_is_the_documented_type_string(coin):
    type_string = (
        "RedeemWithAuthorization(address merchant,uint256 amount,bytes32 ref,"
        "uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    )
    assert coin.REDEEM_WITH_AUTHORIZATION_TYPEHASH() == "0x" + keccak(text=type_string).hex()


# -- EIP-2612 permit -------------------------------------------------------------------------------------


@pytest.fixture
def permit_message(coin, alice, stranger):
    def build(value=500, deadline=None, nonce=None):
        return {
            "owner": alice.address,
            "spender": stranger.address,
            "value": value,
            "nonce": coin.nonces(alice) if nonce is None else nonce,
            "deadline": chain.time() + 3600 if deadline is None else deadline,
        }

    return build


def _permit(coin, message, vrs, sender):
    return coin.permit(message["owner"], message["spender"], message["value"], message["deadline"], *vrs,
                       {"from": sender})


def test_permit_sets_the_allowance_and_uses_the_nonce(coin, alice, stranger, shop, relayer, sign_typed,
                                                      permit_message):
    message = permit_message()

    tx = _permit(coin, message, sign_typed(alice, "Permit", message), relayer)

    assert coin.allowance(alice, stranger) == 500
    assert coin.nonces(alice) == 1
    assert tx.events["Approval"][0] == {"owner": alice, "spender": stranger, "value": 500}
    coin.transferFrom(alice, shop, 500, {"from": stranger})
    assert coin.balanceOf(shop) == 1_500


def test_an_expired_permit_reverts(coin, alice, relayer, sign_typed, permit_message, custom_error):
    message = permit_message(deadline=_last_block_time() - 1)

    with brownie.reverts(custom_error("ERC2612ExpiredSignature(uint256)", message["deadline"])):
        _permit(coin, message, sign_typed(alice, "Permit", message), relayer)


def test_a_permit_signed_by_someone_else_reverts(coin, alice, bob, relayer, sign_typed, permit_message,
                                                 custom_error):
    message = permit_message()

    with brownie.reverts(custom_error("ERC2612InvalidSigner(address,address)", bob, alice)):
        _permit(coin, message, sign_typed(bob, "Permit", message), relayer)


def test_a_replayed_permit_reverts(coin, alice, relayer, sign_typed, recover_typed, permit_message,
                                   custom_error):
    message = permit_message()
    vrs = sign_typed(alice, "Permit", message)
    _permit(coin, message, vrs, relayer)

    seen_by_contract = recover_typed("Permit", {**message, "nonce": 1}, vrs)
    with brownie.reverts(custom_error("ERC2612InvalidSigner(address,address)", seen_by_contract, alice)):
        _permit(coin, message, vrs, relayer)


@pytest.mark.parametrize("wrong_domain", [{"chainId": 1}, {"verifyingContract": OTHER_CONTRACT}],
                         ids=["another chain", "another contract"])
def test_a_permit_for_another_domain_reverts(coin, alice, relayer, sign_typed, recover_typed, permit_message,
                                             custom_error, wrong_domain):
    message = permit_message()
    vrs = sign_typed(alice, "Permit", message, **wrong_domain)

    seen_by_contract = recover_typed("Permit", message, vrs)
    assert seen_by_contract != alice.address
    with brownie.reverts(custom_error("ERC2612InvalidSigner(address,address)", seen_by_contract, alice)):
        _permit(coin, message, vrs, relayer)


def test_permit_still_works_while_paused(coin, admin, alice, stranger, relayer, sign_typed, permit_message):
    coin.pause({"from": admin})
    message = permit_message()

    _permit(coin, message, sign_typed(alice, "Permit", message), relayer)

    assert coin.allowance(alice, stranger) == 500


def test_signatures_come_from_eth_account_keys(alice):
    assert Account.from_key(alice.private_key).address == alice.address
