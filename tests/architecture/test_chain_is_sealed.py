"""Only backend/chain talks to the node: no module outside it imports web3, eth_abi or hexbytes, or
reaches for the chain's web3 objects (`chain.w3`, `chain.coin`)."""

from __future__ import annotations

import ast
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2] / "backend"
CHAIN = BACKEND / "chain"
SEALED = ("web3", "eth_abi", "hexbytes")
WEB3_ATTRIBUTES = ("w3", "coin")

# Nothing outside backend/chain may use web3 directly; nothing may be added here.
ALLOWED: set[str] = set()


def outside_chain() -> list[Path]:
    return sorted(p for p in BACKEND.rglob("*.py") if CHAIN not in p.parents)


def relative(path: Path) -> str:
    return path.relative_to(BACKEND.parent).as_posix()


def sealed_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [f"line {node.lineno}: {name}" for name in names if name.split(".")[0] in SEALED]
    return found


def web3_objects(tree: ast.AST) -> list[str]:
    """`<...>.chain.w3`, `chain.coin` and the like: the chain's web3 objects used from outside."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in WEB3_ATTRIBUTES:
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name == "chain":
                found.append(f"line {node.lineno}: chain.{node.attr}")
    return found


def offenders(check) -> dict[str, list[str]]:
    result = {}
    for path in outside_chain():
        found = check(ast.parse(path.read_text(), filename=str(path)))
        if found:
            result[relative(path)] = found
    return result


def test_no_module_outside_the_chain_package_imports_web3_eth_abi_or_hexbytes():
    found = offenders(sealed_imports)

    assert {path: lines for path, lines in found.items() if path not in ALLOWED} == {}


def test_no_module_outside_the_chain_package_uses_the_chains_web3_objects():
    found = offenders(web3_objects)

    assert {path: lines for path, lines in found.items() if path not in ALLOWED} == {}


def test_the_allow_list_names_only_modules_that_still_offend():
    """So that a converted module leaves the list (and cannot slip back)."""
    still = set(offenders(sealed_imports)) | set(offenders(web3_objects))

    assert ALLOWED <= still


def test_the_check_sees_an_import_of_web3():
    tree = ast.parse("from web3 import Web3\nimport eth_abi.abi\nimport hexbytes as h\nimport json")

    assert [line.split(": ")[1] for line in sealed_imports(tree)] == ["web3", "eth_abi.abi", "hexbytes"]


def test_the_check_sees_the_chains_web3_objects():
    tree = ast.parse("runtime.chain.coin.functions\nchain.w3.eth\nother.coin")

    assert len(web3_objects(tree)) == 2
