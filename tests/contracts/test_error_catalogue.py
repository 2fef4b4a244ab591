"""Every custom error LocalCoin declares has a test that expects it (one behaviour per test)."""

from pathlib import Path

HERE = Path(__file__).parent


def test_every_custom_error_of_local_coin_is_expected_by_some_test(LocalCoin):
    own_errors = {
        item["name"]
        for item in LocalCoin.abi
        if item["type"] == "error" and item["name"].startswith("LocalCoin")
    }
    sources = "".join(p.read_text() for p in HERE.glob("test_*.py") if p.name != Path(__file__).name)

    untested = sorted(name for name in own_errors if f'"{name}(' not in sources)

    assert own_errors and untested == []
