"""`make drill` (python -m drills [names...] [--seed N] [--postgres]): runs the failure drills, each on
its own fresh stack, and exits non-zero when any money invariant (or drill check) fails."""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import time
import traceback
import warnings

DRILLS = {
    "crash": "drills.crash",  # 1: kill -9 the API and workers during 500 approvals and 100 payments
    "chain-down": "drills.chain_down",  # 2: Anvil away for 10 s
    "reorg": "drills.reorg",  # 3: a depth-3 reorg during redemptions
    "db-drop": "drills.db_drop",  # 4: database connections dropped (PostgreSQL)
    "stolen-minter": "drills.stolen_minter",  # 5: a stolen minter key against a 2-of-3 Safe
    "public-chain": "drills.public_chain",  # 6: 5-second blocks and 3 confirmations, as Gnosis Chain
}


def main(argv: list[str]) -> int:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(prog="python -m drills")
    parser.add_argument("names", nargs="*", choices=[*DRILLS, []], help="drills to run (default: all)")
    parser.add_argument("--seed", type=int, default=None, help="the random seed (printed, for a re-run)")
    parser.add_argument(
        "--postgres", action="store_true", help="run drills 1-3 on PostgreSQL instead of SQLite"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)  # noqa: S311
    names = args.names or list(DRILLS)
    print(f"Heitje failure drills: {', '.join(names)} (seed {seed}; re-run with --seed {seed})", flush=True)
    started = time.monotonic()
    outcome: dict[str, str] = {}
    for name in names:
        module = importlib.import_module(DRILLS[name])
        t0 = time.monotonic()
        try:
            kwargs = {"postgres": True} if name == "db-drop" else {"postgres": args.postgres}
            passed = module.run(seed=seed, **kwargs)
            outcome[name] = "passed" if passed else "FAILED"
        except Exception:  # noqa: BLE001 - one broken drill must not hide the others
            traceback.print_exc()
            outcome[name] = "ERROR"
        outcome[name] += f" ({time.monotonic() - t0:.0f} s)"
    print(f"\nSummary after {time.monotonic() - started:.0f} s (seed {seed}):", flush=True)
    for name, result in outcome.items():
        print(f"  {name:11} {result}", flush=True)
    return 0 if all(r.startswith("passed") for r in outcome.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
