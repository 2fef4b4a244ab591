"""`python -m fuzz` (from .venv; `make fuzz`): starts a Heitje stack (Anvil, SQLite, `heitje up`,
`heitje worker`) on 127.0.0.1, seeds one of everything, signs in as a citizen, a merchant and an
operator with real EIP-4361 signatures, then runs schemathesis from .venv-fuzz against
/api/v1/openapi.json and prints the requests sent per group of endpoints and role."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUZZ_PYTHON = ROOT / ".venv-fuzz" / "bin" / "python"
MIN_PER_GROUP = int(os.environ.get("FUZZ_REQUESTS_PER_GROUP", "1000"))


def main() -> int:
    warnings.filterwarnings("ignore")
    if not FUZZ_PYTHON.exists():
        print("no .venv-fuzz: run tools/fuzz-setup.sh first (make fuzz does)", file=sys.stderr)
        return 2
    from eth_account import Account

    from drills.client import Api
    from drills.harness import Stack, log
    from drills.workload import People, wait_rewards_settled

    started = time.monotonic()
    with Stack("fuzz") as stack:
        api = Api(stack.base_url)
        people = People(api, citizens=[Account.create()])
        citizen = people.citizens[0]
        task = people.post_task(reward="15.00", capacity=50)
        people.do_task(citizen, task)
        people.claim(citizen, people.post_task(reward="5.00", capacity=5))
        people.register_merchant()
        wait_rewards_settled(stack.engine, expected=1)
        people.wait_merchant_on_chain()
        people.pay(citizen, "3.00")
        tokens = {
            "citizen": people.token(citizen),
            "merchant": people.token(people.merchant),
            "operator": people.token(people.operator),
        }
        log(
            f"stack up and seeded in {time.monotonic() - started:.0f} s; "
            f"fuzzing {stack.base_url}/api/v1/openapi.json"
        )
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as results_file:
            results_path = results_file.name
        env = dict(
            os.environ,
            FUZZ_BASE_URL=stack.base_url,
            FUZZ_TOKENS=json.dumps(tokens),
            FUZZ_RESULTS=results_path,
            FUZZ_REQUESTS_PER_GROUP=str(MIN_PER_GROUP),
        )
        fuzz_started = time.monotonic()
        code = subprocess.run(  # noqa: S603 - our own fuzz file in our own venv
            [
                str(FUZZ_PYTHON),
                "-m",
                "pytest",
                "-c",
                str(ROOT / "fuzz" / "pytest.ini"),
                "--rootdir",
                str(ROOT / "fuzz"),
                str(ROOT / "fuzz" / "test_api.py"),
                "--tb=short",
            ],
            env=env,
            cwd=ROOT / "fuzz",
            check=False,
        ).returncode
        elapsed = time.monotonic() - fuzz_started
        api_errors = stack.log_tail("api", 400)
    return report(results_path, code, elapsed, api_errors)


def report(results_path: str, code: int, elapsed: float, api_log: str) -> int:
    try:
        results = json.loads(Path(results_path).read_text())
    except (OSError, ValueError):
        print(f"schemathesis wrote no results (pytest exit {code})")
        return 1
    per_group: dict[str, dict[str, int]] = defaultdict(dict)
    for key, count in results["sent"].items():
        group, role = key.split(" ")
        per_group[group][role] = count
    total = sum(results["sent"].values())
    fives = sum(n for k, n in results["statuses"].items() if k.split(" ")[1].startswith("5"))
    print(f"\nrequests sent: {total:,} in {elapsed:.0f} s; 5xx responses: {fives}")
    print(
        f"{'group':14} {'total':>7}  "
        + "  ".join(f"{r:>9}" for r in ("anonymous", "citizen", "merchant", "operator"))
    )
    short = []
    for group, roles in sorted(per_group.items()):
        group_total = sum(roles.values())
        print(
            f"{group:14} {group_total:>7,}  "
            + "  ".join(f"{roles.get(r, 0):>9,}" for r in ("anonymous", "citizen", "merchant", "operator"))
        )
        if group_total < MIN_PER_GROUP:
            short.append(group)
    print(f"\nhard failures (5xx, response not matching its schema): {len(results['hard'])}")
    for line in results["hard"][:40]:
        print(f"  - {line}")
    print(f"findings (undocumented status code or content type): {len(results['soft'])}")
    for line in results["soft"][:40]:
        print(f"  - {line}")
    if short:
        print(f"groups under {MIN_PER_GROUP} requests (their input space is small): {', '.join(short)}")
    if fives and "Traceback" in api_log:
        print("\nthe API's log has tracebacks; the last ones:\n" + api_log[-3000:])
    return 0 if code == 0 and not results["hard"] else 1


if __name__ == "__main__":
    sys.exit(main())
