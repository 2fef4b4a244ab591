"""The solc command (tools/solc/solc.js, installed as .solcx/solc-v0.8.28) behaves like native solc
for what py-solc-x, brownie and slither ask of it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import solcx

ROOT = Path(__file__).resolve().parents[2]
SOLC = Path(os.environ.get("SOLCX_BINARY_PATH", ROOT / ".solcx")) / "solc-v0.8.28"

TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
contract Token is ERC20 { constructor() ERC20("T", "T") { _mint(msg.sender, 1); } }
"""


def standard_input(source: str = TOKEN, remap: bool = True) -> dict:
    settings: dict = {"optimizer": {"enabled": True, "runs": 200},
                      "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}}
    if remap:
        settings["remappings"] = ["@openzeppelin=node_modules/@openzeppelin"]
    return {"language": "Solidity", "sources": {"Token.sol": {"content": source}}, "settings": settings}


def run_solc(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SOLC), *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_version_is_printed_in_native_format_that_py_solc_x_parses() -> None:
    result = run_solc("--version")
    assert result.returncode == 0
    assert "Version: 0.8.28+commit." in result.stdout
    assert str(solcx.wrapper.get_solc_version(SOLC)) == "0.8.28"


def test_compiles_a_contract_that_imports_openzeppelin() -> None:
    result = run_solc("--standard-json", "--allow-paths", str(ROOT), stdin=json.dumps(standard_input()))
    output = json.loads(result.stdout)
    assert result.returncode == 0
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert len(output["contracts"]["Token.sol"]["Token"]["evm"]["bytecode"]["object"]) > 1000
    assert "node_modules/@openzeppelin/contracts/token/ERC20/ERC20.sol" in output["sources"]


def test_output_equals_the_solc_js_library_for_the_same_input() -> None:
    data = json.dumps(standard_input())
    script = """
const fs = require('fs'), path = require('path'), solc = require('solc');
const input = fs.readFileSync(0, 'utf8');
const out = solc.compile(input, { import: (p) => {
  const f = path.resolve(p);
  return fs.existsSync(f) ? { contents: fs.readFileSync(f, 'utf8') } : { error: 'not found' }; } });
process.stdout.write(out);
"""
    library = subprocess.run(["node", "-e", script], input=data, capture_output=True, text=True, cwd=ROOT, timeout=120)
    wrapper = run_solc("--standard-json", stdin=data)
    assert json.loads(wrapper.stdout) == json.loads(library.stdout)


def test_large_output_is_not_truncated_when_piped() -> None:
    big = standard_input()
    big["settings"]["outputSelection"] = {"*": {"*": ["*"], "": ["ast"]}}
    result = run_solc("--standard-json", stdin=json.dumps(big))
    assert len(result.stdout) > 65536
    assert "contracts" in json.loads(result.stdout)


def test_invalid_json_gives_a_compiler_error_not_a_crash() -> None:
    result = run_solc("--standard-json", stdin="{not json")
    output = json.loads(result.stdout)
    assert result.returncode == 0
    assert output["errors"][0]["severity"] == "error"
    assert output["errors"][0]["type"] == "JSONError"


def test_a_solidity_error_is_reported_in_the_output() -> None:
    result = run_solc("--standard-json", stdin=json.dumps(standard_input("pragma solidity 0.8.28; contract {", False)))
    errors = json.loads(result.stdout)["errors"]
    assert any(e["type"] == "ParserError" for e in errors)


def test_missing_import_is_a_compiler_error() -> None:
    source = 'pragma solidity 0.8.28; import "./nowhere/Missing.sol"; contract A {}'
    result = run_solc("--standard-json", stdin=json.dumps(standard_input(source, False)))
    assert any("not found" in e["message"].lower() for e in json.loads(result.stdout)["errors"])


def test_import_outside_the_allowed_paths_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "Secret.sol"
    secret.parent.mkdir()
    secret.write_text("pragma solidity 0.8.28; contract Secret {}")
    source = f'pragma solidity 0.8.28; import "{secret}"; contract A {{}}'
    workdir = tmp_path / "project"
    workdir.mkdir()
    result = run_solc("--standard-json", "--base-path", str(workdir), stdin=json.dumps(standard_input(source, False)),
                      cwd=workdir)
    assert any("outside of allowed" in e["message"] for e in json.loads(result.stdout)["errors"])
    allowed = run_solc("--standard-json", "--base-path", str(workdir), "--allow-paths", str(secret.parent),
                       stdin=json.dumps(standard_input(source, False)), cwd=workdir)
    assert "Secret" in json.loads(allowed.stdout)["contracts"][str(secret)]


def test_base_path_resolves_imports_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "B.sol").write_text("pragma solidity 0.8.28; contract B {}")
    source = 'pragma solidity 0.8.28; import "lib/B.sol"; contract A is B {}'
    result = run_solc("--standard-json", "--base-path", str(tmp_path), stdin=json.dumps(standard_input(source, False)))
    assert "A" in json.loads(result.stdout)["contracts"]["Token.sol"]


@pytest.mark.parametrize("args", [(), ("--bin", "x.sol"), ("--optimize",)])
def test_anything_else_exits_nonzero_with_a_message(args: tuple[str, ...]) -> None:
    result = run_solc(*args)
    assert result.returncode != 0
    assert "solc" in result.stderr
