"""The one revert decoder: custom errors of the coin's ABI by selector."""

from eth_abi import encode
from eth_utils import keccak

from backend.chain.reverts import decode_revert, error_names, selector
from backend.chain.rpc import RpcError

MERCHANT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def revert_data(signature, types, values):
    return "0x" + keccak(text=signature)[:4].hex() + encode(types, values).hex()


def test_a_custom_error_decodes_to_its_name_and_arguments():
    data = revert_data("LocalCoinNotMerchant(address)", ["address"], [MERCHANT])

    revert = decode_revert(data)

    assert (revert.name, revert.args) == ("LocalCoinNotMerchant", (MERCHANT,))
    assert dict(revert.named) == {"account": MERCHANT}


def test_a_bytes32_argument_comes_back_as_hex():
    data = revert_data("LocalCoinAlreadyRewarded(bytes32)", ["bytes32"], [b"\x01" * 32])

    assert decode_revert(data).args == ("0x" + "01" * 32,)


def test_a_require_message_decodes_as_error_string():
    assert decode_revert(revert_data("Error(string)", ["string"], ["no"])).args == ("no",)


def test_unknown_revert_data_keeps_only_the_data():
    revert = decode_revert("0xdeadbeef")

    assert (revert.name, revert.args, revert.data) == ("", (), "0xdeadbeef")


def test_the_node_error_carries_the_revert_data_even_when_nested():
    data = revert_data("LocalCoinNotMerchant(address)", ["address"], [MERCHANT])
    error = RpcError("eth_estimateGas", 3, "execution reverted", {"data": data})

    assert decode_revert(error.revert_data).name == "LocalCoinNotMerchant"


def test_every_custom_error_of_the_design_is_known():
    assert {"LocalCoinAlreadyRewarded", "LocalCoinMintLimitExceeded", "LocalCoinTransferNotAllowed",
            "LocalCoinNotMerchant"} <= error_names()
    assert selector("Error(string)") == "0x08c379a0"
