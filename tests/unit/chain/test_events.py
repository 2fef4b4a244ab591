"""The one event decoder, on logs built by hand (as a node returns them)."""

from datetime import UTC, datetime

from eth_abi import encode
from eth_utils import keccak

from backend.chain.events import (
    AUTH_CANCELED,
    AUTH_USED,
    COLUMNS,
    REDEEMED,
    REWARDED,
    decode_event,
    decode_events,
    decode_logs,
    topic_filter,
)
from tests.support.fake_chain import FAKE_COIN
from tests.support.logs import BLOCK_TIME0, raw_log, rewarded_log, word

CITIZEN = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
COIN = FAKE_COIN


def rewarded(claim=5, amount=1500, **kw):
    return rewarded_log(CITIZEN, amount, claim, **kw)


def test_a_rewarded_log_decodes_to_its_claim_citizen_and_amount():
    event = decode_event(rewarded())

    assert event.name == "Rewarded"
    assert event.args == {"claimId": "0x" + "00" * 31 + "05", "citizen": CITIZEN, "amount": 1500}
    assert (event.block_number, event.log_index, event.address) == (7, 0, COIN)


def test_an_authorization_used_log_decodes_to_its_authorizer_and_nonce():
    nonce = b"\x11" * 32
    log = raw_log("AuthorizationUsed(address,bytes32)", [word(CITIZEN, "address"), word(nonce, "bytes32")])

    assert decode_event(log).args == {"authorizer": CITIZEN, "nonce": "0x" + "11" * 32}


def test_logs_of_another_contract_are_left_out_when_the_coin_is_named():
    other = rewarded(address="0x" + "99" * 20)

    assert decode_events([rewarded(), other], address=COIN) == [decode_event(rewarded())]


def test_a_log_of_no_coin_event_is_not_decoded():
    assert decode_event(raw_log("Unrelated(uint256)", [], encode(["uint256"], [1]))) is None


def test_the_indexer_rows_follow_the_table_columns_and_keep_the_kinds_asked_for():
    rows, kept = decode_logs([rewarded()], keep=(REWARDED,))

    row = dict(zip(COLUMNS, rows[0], strict=True))
    claim_id = "0x" + "00" * 31 + "05"
    assert (row["kind"], row["account"], row["amount"], row["ref"]) == (REWARDED, CITIZEN, 1500, claim_id)
    assert kept[REWARDED][0]["block_time"] == datetime.fromtimestamp(BLOCK_TIME0 + 7, UTC)


def test_authorization_logs_reach_handlers_but_are_not_rows_of_the_table():
    nonce = b"\x11" * 32
    log = raw_log("AuthorizationUsed(address,bytes32)", [word(CITIZEN, "address"), word(nonce, "bytes32")])

    rows, kept = decode_logs([log, rewarded()], keep=(AUTH_USED, AUTH_CANCELED))

    assert [dict(zip(COLUMNS, row, strict=True))["kind"] for row in rows] == [REWARDED]
    assert [(e["account"], e["ref"]) for e in kept[AUTH_USED]] == [(CITIZEN, "0x" + "11" * 32)]
    assert kept[AUTH_CANCELED] == []


def test_the_indexer_keeps_no_dicts_of_kinds_nobody_handles():
    _, kept = decode_logs([rewarded()], keep=(REDEEMED,))

    assert kept == {REDEEMED: []}


def test_a_topic_filter_fixes_indexed_arguments_by_value():
    topics = topic_filter("AuthorizationUsed", {"authorizer": CITIZEN})

    assert topics == ["0x" + keccak(text="AuthorizationUsed(address,bytes32)").hex(), word(CITIZEN, "address")]


def test_a_topic_filter_matches_any_of_a_list_of_values():
    ids = [(1 << 128 | n).to_bytes(32, "big") for n in (1, 2)]

    topics = topic_filter("Rewarded", {"claimId": ids})

    assert topics == ["0x" + keccak(text="Rewarded(bytes32,address,uint256)").hex(), [word(i, "bytes32") for i in ids]]


def test_every_event_of_the_coin_decodes_by_slicing_as_eth_abi_decodes_it():
    import random

    from eth_abi import decode as abi_decode
    from eth_utils import to_checksum_address

    from backend.chain.artifacts import coin_abi
    from backend.chain.events import event_topic

    rng = random.Random(14)

    def value(abi_type):
        if abi_type == "address":
            return to_checksum_address(rng.randbytes(20))
        if abi_type == "bool":
            return rng.random() < 0.5
        if abi_type == "bytes32":
            return rng.randbytes(32)
        bits = int(abi_type.removeprefix("uint"))
        return rng.choice([0, 1, 2**bits - 1, rng.getrandbits(bits)])

    def generic(abi_type, encoded):  # what eth_abi makes of the word, in the decoder's plain values
        decoded = abi_decode([abi_type], encoded)[0]
        if abi_type == "address":
            return to_checksum_address(decoded)
        return "0x" + decoded.hex() if abi_type == "bytes32" else decoded

    events = [item for item in coin_abi() if item["type"] == "event"]
    assert {"Rewarded", "Transfer", "Redeemed", "MerchantSet", "AuthorizationUsed"} <= {e["name"] for e in events}
    for item in events:
        for _ in range(20):
            inputs = item["inputs"]
            values = {i["name"]: value(i["type"]) for i in inputs}
            indexed = [i for i in inputs if i["indexed"]]
            plain = [i for i in inputs if not i["indexed"]]
            signature = f"{item['name']}({','.join(i['type'] for i in inputs)})"
            assert "0x" + keccak(text=signature).hex() == event_topic(item["name"])
            topics = ["0x" + encode([i["type"]], [values[i["name"]]]).hex() for i in indexed]
            data = encode([i["type"] for i in plain], [values[i["name"]] for i in plain])
            log = raw_log(signature, topics, data)
            expected = {i["name"]: generic(i["type"], encode([i["type"]], [values[i["name"]]])) for i in inputs}
            assert decode_event(log).args == expected, item["name"]
