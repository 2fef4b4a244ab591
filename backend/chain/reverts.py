"""The one revert decoder: a custom error's revert data -> its name and arguments (plain values).

Selectors come from the coin's ABI (and OpenZeppelin's errors the coin inherits, which its ABI
lists too), plus Solidity's own `Error(string)` and `Panic(uint256)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

from backend.chain.artifacts import coin_abi

BUILTIN_ERRORS = {
    keccak(text="Error(string)")[:4]: ("Error", ["string"], ["message"]),
    keccak(text="Panic(uint256)")[:4]: ("Panic", ["uint256"], ["code"]),
}


@dataclass(frozen=True)
class Revert:
    """A decoded revert: `name` is the custom error's name ("" when the data names no known error),
    `args` its arguments in order, `named` the same by parameter name, `data` the raw 0x-hex."""

    name: str
    args: tuple[Any, ...] = ()
    named: tuple[tuple[str, Any], ...] = ()
    data: str = ""

    def __str__(self) -> str:
        return f"{self.name or 'revert'}{self.args if self.args else ''}"


def selector(signature: str) -> str:
    """0x-hex selector of an error or function signature such as `LocalCoinNotMerchant(address)`."""
    return "0x" + keccak(text=signature)[:4].hex()


@lru_cache(maxsize=4)
def _error_table() -> dict[bytes, tuple[str, list[str], list[str]]]:
    table = dict(BUILTIN_ERRORS)
    for item in coin_abi():
        if item.get("type") == "error":
            types = [i["type"] for i in item.get("inputs", [])]
            names = [i.get("name", "") for i in item.get("inputs", [])]
            table[keccak(text=f"{item['name']}({','.join(types)})")[:4]] = (item["name"], types, names)
    return table


def _plain(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type.startswith("bytes") and isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def decode_revert(data: object) -> Revert:
    """Revert data (0x-hex, or bytes) as a `Revert`; unknown or malformed data keeps only `data`."""
    text = "0x" + bytes(data).hex() if isinstance(data, bytes | bytearray) else str(data or "")
    try:
        raw = bytes.fromhex(text[2:]) if text.startswith("0x") and len(text) >= 10 else b""
    except ValueError:
        raw = b""
    known = _error_table().get(raw[:4]) if raw else None
    if known is None:
        return Revert("", (), (), text)
    name, types, names = known
    try:
        values = tuple(_plain(t, v) for t, v in zip(types, abi_decode(types, raw[4:]), strict=True))
    except Exception:  # noqa: BLE001 - malformed arguments still name the error
        return Revert(name, (), (), text)
    return Revert(name, values, tuple(zip(names, values, strict=True)), text)


def error_names() -> set[str]:
    """Every error name the decoder knows (tests check the catalogue against the ABI)."""
    return {name for name, _, _ in _error_table().values()}
