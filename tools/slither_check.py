"""Slither on LocalCoin, for `make lint`: fails on any High or Medium finding in contracts/.

Brownie's own slither route drops library files that are only reached through other imports (the
OpenZeppelin 5 ERC-3009 extension pulls in ERC4337Utils, Time, ...), so this script builds a solc
standard-JSON input itself: every source is resolved from the import statements and node_modules and
inlined under its real path, then slither compiles it with `--compile-force-framework solc-json` and the
project's solc (.solcx/solc-v0.8.28, the solc-js wrapper).

Findings in node_modules (OpenZeppelin) are filtered out: they are reviewed upstream and would only
repeat Math.mulDiv's known `incorrect-exp`/`divide-before-multiply` false positives.

Accepted findings in LocalCoin (printed, never failing the check):
- timestamp (Low): the mint window is `block.timestamp / period` and EIP-3009's validity window compares
  timestamps by design; a validator's few seconds of skew cannot matter at windows of hours or days.
- costly-loop (Informational): rewardBatch writes balances and totalSupply in a loop; that is what a batch
  of mints is. The bitmap word is written once per run of claimIds, not per claim.
- naming-convention (Informational): OpenZeppelin's `DOMAIN_SEPARATOR` and our `name_`/`symbol_`
  constructor parameters follow the ERC and the existing deploy code, not slither's mixedCase.
- pragma / solc-version (Informational): the pin 0.8.28 and OpenZeppelin's ^0.8.x ranges are deliberate.
- assembly (Informational): inside OpenZeppelin, filtered anyway.
- too-many-digits (Informational): the keccak constants and `100_000_00`-style amounts are readable.
Anything else at Low/Informational is printed too and left for a person to judge.

Then slither-check-erc checks LocalCoin against ERC20 and ERC2612 (every required function and event).

Usage: python tools/slither_check.py [--skip-erc]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = "contracts/LocalCoin.sol"
CONTRACT = "LocalCoin"
SOLC = ROOT / ".solcx" / "solc-v0.8.28"
OUT_DIR = ROOT / "build" / "slither"
REMAPPINGS = {"@openzeppelin/": "node_modules/@openzeppelin/"}
FAILING_IMPACTS = {"High", "Medium"}
ACCEPTED = {
    "timestamp",
    "costly-loop",
    "naming-convention",
    "pragma",
    "solc-version",
    "assembly",
    "too-many-digits",
}
IMPORT = re.compile(r"""^\s*import\s+(?:[^;]*?\bfrom\s+)?["']([^"']+)["']\s*;""", re.MULTILINE)


def _resolve(importer: str, path: str) -> str:
    """The real repository path of an import, as the source unit name solc will see."""
    if path.startswith("."):
        return os.path.normpath(os.path.join(os.path.dirname(importer), path))
    for prefix, target in REMAPPINGS.items():
        if path.startswith(prefix):
            return target + path[len(prefix) :]
    return path


def collect_sources(entry: str) -> dict[str, dict[str, str]]:
    """Every file `entry` imports, transitively, keyed by its path relative to the repository."""
    sources: dict[str, dict[str, str]] = {}
    pending = [entry]
    while pending:
        unit = pending.pop()
        if unit in sources:
            continue
        text = (ROOT / unit).read_text(encoding="utf-8")
        sources[unit] = {"content": text}
        pending.extend(_resolve(unit, imported) for imported in IMPORT.findall(text))
    return dict(sorted(sources.items()))


def build_input() -> Path:
    """Writes the standard-JSON input (same settings as brownie-config.yaml) and returns its path."""
    standard_json = {
        "language": "Solidity",
        "sources": collect_sources(TARGET),
        "settings": {
            "evmVersion": "cancun",
            "optimizer": {"enabled": True, "runs": 200},
            "remappings": [f"{k}={v}" for k, v in REMAPPINGS.items()],
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode", "evm.deployedBytecode"], "": ["ast"]}},
        },
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / "LocalCoin.input.json"
    path.write_text(json.dumps(standard_json), encoding="utf-8")
    return path


def run_slither(input_path: Path) -> list[dict]:
    report = OUT_DIR / "slither.json"
    report.unlink(missing_ok=True)
    cmd = [
        "slither", str(input_path),
        "--compile-force-framework", "solc-json",
        "--solc", str(SOLC),
        "--filter-paths", "node_modules",
        "--json", str(report),
    ]
    # Slither exits non-zero whenever it reports anything; the JSON says whether it ran.
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if not report.exists():
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit("slither did not run (see above)")
    result = json.loads(report.read_text(encoding="utf-8"))
    if not result.get("success"):
        raise SystemExit(f"slither failed: {result.get('error')}")
    return result.get("results", {}).get("detectors", [])


def run_check_erc(input_path: Path) -> bool:
    ok = True
    for erc in ("ERC20", "ERC2612"):
        cmd = [
            "slither-check-erc", str(input_path), CONTRACT, "--erc", erc,
            "--compile-force-framework", "solc-json", "--solc", str(SOLC),
        ]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        output = proc.stdout + proc.stderr
        unchecked = [line.strip() for line in output.splitlines() if "[ ]" in line]
        # The approval-race item is slither's advice (increaseAllowance), not part of the ERC: OpenZeppelin 5
        # removed increaseAllowance on purpose (a phishing vector); wallets use permit or approve-from-zero.
        notes = [line for line in unchecked if "approval race" in line]
        missing = [line for line in unchecked if line not in notes]
        print(f"slither-check-erc {erc}: {'conformant' if not missing else 'NOT conformant'}")
        for line in missing:
            print("    missing:", line)
        for line in notes:
            print("    accepted:", line)
        ok = ok and not missing and proc.returncode == 0
    return ok


def main(argv: list[str]) -> int:
    input_path = build_input()
    findings = run_slither(input_path)
    failing = [f for f in findings if f["impact"] in FAILING_IMPACTS]
    for finding in findings:
        tag = "FAIL" if finding in failing else ("accepted" if finding["check"] in ACCEPTED else "note")
        first_line = finding["description"].strip().splitlines()[0]
        print(f"[{tag}] {finding['impact']}/{finding['check']}: {first_line}")
    print(f"slither: {len(findings)} finding(s) in contracts/, {len(failing)} High/Medium")
    ok = not failing
    if "--skip-erc" not in argv:
        ok = run_check_erc(input_path) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
