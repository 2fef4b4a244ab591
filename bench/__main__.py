"""`make bench`: runs every benchmark, then writes bench/results.json and bench/results.md with each
figure beside its baseline from the same run, the machine printed at the top. `python -m bench growth`
runs only the named ones; the others keep their figures from the last run in results.json. The growth
benchmark runs on SQLite and, when one answers, on PostgreSQL (bench/growth.py)."""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# (module, key in results.json). Each module's run() returns its section.
BENCHMARKS = (
    ("bench.gas", "gas"),
    ("bench.rewards", "rewards"),
    ("bench.indexer", "indexer"),
    ("bench.payments", "payments"),
    ("bench.api", "api"),
    ("bench.growth", "growth"),
)
# `python -m bench growth --large` adds the L scale (100x S) to the growth benchmark.
LARGE = "--large"
# (section, figure, baseline figure or None, target text) for the Markdown table.
TABLE = (
    ("gas", "reward_batch_per_claim", "baseline_batch_mint_per_recipient", "≤ 30,000 gas"),
    ("gas", "transfer_policy", "transfer_baseline", "≤ 1.15 × baseline"),
    ("gas", "transfer_with_authorization", "transfer_baseline", "≤ 75,000 gas"),
    ("gas", "reward", None, ""),
    ("gas", "redeem", None, ""),
    ("gas", "redeem_with_authorization", None, ""),
    ("rewards", "rewards_per_s", "naive_rewards_per_s", "≥ 1,000/s and ≥ 20× naive"),
    ("indexer", "indexer_events_per_s", None, "≥ 10,000 events/s"),
    ("payments", "relayed_payments_per_s", None, ""),
)


def machine() -> dict[str, Any]:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1), "cpu": cpu,
            "python": platform.python_version(), "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "—" if value is None else str(value)


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"# Heitje benchmarks — {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']} ({m['date']})", "",
             "| figure | value | baseline (same run) | ratio | target |", "| --- | ---: | ---: | ---: | --- |"]
    for section, key, base_key, target in TABLE:
        data = results.get(section) or {}
        if key not in data:
            continue
        value, base = data.get(key), data.get(base_key) if base_key else None
        ratio = f"{value / base:.2f}×" if isinstance(value, (int, float)) and base else ""
        base_txt = f"{fmt(base)} ({base_key})" if base_key else ""
        lines.append(f"| {section}.{key} | {fmt(value)} | {base_txt} | {ratio} | {target} |")
    api = results.get("api") or {}
    for endpoint, figures in api.items():
        if isinstance(figures, dict):
            lines.append(f"| api {endpoint} | {fmt(figures.get('requests_per_s'))} req/s, "
                         f"p50 {fmt(figures.get('p50_ms'))} ms, p99 {fmt(figures.get('p99_ms'))} ms | "
                         f"{figures.get('clients', '')} clients | | |")
    growth = results.get("growth") or {}
    if any(key in growth for key in ("ratio_M_over_S", "sqlite", "postgresql")):
        from bench.growth import markdown as growth_markdown

        lines += growth_markdown(growth)
    if results.get("kept"):
        lines += ["", f"({', '.join(results['kept'])}: figures kept from the last run that measured them.)"]
    failed = [name for name, data in results.items() if isinstance(data, dict) and data.get("error")]
    if failed:
        lines += ["", "Failed: " + ", ".join(f"{n} ({results[n]['error']})" for n in failed)]
    return "\n".join(lines) + "\n"


def main(selected: list[str]) -> int:
    large = LARGE in selected
    selected = [name for name in selected if name != LARGE]
    results: dict[str, Any] = {"machine": machine()}
    previous = HERE / "results.json"
    if selected and previous.exists():  # a few benchmarks run: the others keep their last figures
        kept = json.loads(previous.read_text())
        results.update({key: value for key, value in kept.items() if key != "machine" and key not in selected})
        results["kept"] = [key for key, _ in BENCHMARKS if key in kept and key not in selected]
    m = results["machine"]
    print(f"machine: {m['cores']} cores, {m['memory_gib']} GiB memory, {m['cpu']}, Python {m['python']}", flush=True)
    status = 0
    for module_name, key in BENCHMARKS:
        if selected and key not in selected:
            continue
        print(f"\n== {key} ({module_name})", flush=True)
        started = time.perf_counter()
        if str(ROOT) not in sys.path:  # brownie's project loader (the gas bench) rewrites sys.path
            sys.path.insert(0, str(ROOT))
        try:
            module = importlib.import_module(module_name)
            results[key] = module.run(large=True) if key == "growth" and large else module.run()
        except ModuleNotFoundError as exc:
            results[key] = {"error": "not written yet" if exc.name == module_name else f"import failed: {exc}"}
            print(f"   FAILED: {results[key]['error']}", flush=True)
            status = 1
        except Exception as exc:  # noqa: BLE001 - one failed benchmark must not hide the others
            results[key] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"   FAILED: {results[key]['error']}", flush=True)
            status = 1
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (HERE / "results.md").write_text(table)
    print("\n" + table)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
