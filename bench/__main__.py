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
    ("bench.blocks", "blocks"),
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
    ("rewards", "bulk_approvals_per_s", "approve_api_per_s", "≥ 500 claims/s"),
    ("rewards", "end_to_end_rewards_per_s", "end_to_end_one_after_other_per_s", "≥ 1,000/s (approved to confirmed)"),
    ("blocks", "till_paid_p50_s", "till_confirmed_p50_s", "≤ 5 s (one block)"),
    ("blocks", "till_paid_p99_s", "block_seconds", "≤ 5 s (one block)"),
    ("blocks", "reward_blocks_used", "reward_blocks_min", "= the least blocks (each one full)"),
    ("indexer", "indexer_events_per_s", None, "≥ 10,000 events/s"),
    ("payments", "relayed_payments_per_s", "baseline_raw_transfers_concurrent_per_s",
     "≥ 0.67 × raw signed transfers/s at the same concurrency (relay_vs_raw)"),
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
    load = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None
    return {"cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1), "cpu": cpu, "load_1min": load,
            "python": platform.python_version(), "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "—" if value is None else str(value)


def target_value(value: Any) -> str:
    """A target figure: ratios and seconds (below 10) with two decimals, the rest as `fmt` writes them."""
    return f"{value:.2f}" if isinstance(value, float) and value < 10 else fmt(value)


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
        if isinstance(figures, dict) and "requests_per_s" in figures:
            lines.append(f"| api {endpoint} | {fmt(figures.get('requests_per_s'))} req/s, "
                         f"p50 {fmt(figures.get('p50_ms'))} ms, p99 {fmt(figures.get('p99_ms'))} ms | "
                         f"{figures.get('clients', '')} clients | | |")
    lines += reads_markdown(results)
    lines += payments_markdown(results)
    growth = results.get("growth") or {}
    if any(key in growth for key in ("ratio_M_over_S", "sqlite", "postgresql")):
        from bench.growth import markdown as growth_markdown

        lines += growth_markdown(growth)
    notes = [f"- {name}: {note}" for name, data in results.items() if isinstance(data, dict)
             for note in data.get("notes") or ()]
    if notes:
        lines += ["", "Notes:", "", *notes]
    figures = results.get("targets") or {}
    if figures:
        lines += ["", "Targets (results.json `targets`):", "", "| figure | value |", "| --- | ---: |"]
        lines += [f"| {name} | {target_value(value)} |" for name, value in sorted(figures.items())]
    if results.get("kept"):
        lines += ["", f"({', '.join(results['kept'])}: figures kept from the last run that measured them.)"]
    failed = [name for name, data in results.items() if isinstance(data, dict) and data.get("error")]
    if failed:
        lines += ["", "Failed: " + ", ".join(f"{n} ({results[n]['error']})" for n in failed)]
    return "\n".join(lines) + "\n"


def targets(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's target figures as plain numbers (other tools read them): each benchmark's own
    "targets" over those of the last results.json, so a partial run keeps the others."""
    try:
        merged = dict(json.loads((HERE / "results.json").read_text()).get("targets") or {})
    except (OSError, ValueError):
        merged = {}
    for data in results.values():
        if isinstance(data, dict) and isinstance(data.get("targets"), dict):
            merged.update(data["targets"])
        if isinstance(data, dict) and isinstance(data.get("reads"), dict):  # the api section's reads
            merged.update(data["reads"].get("targets") or {})
    return merged
def payments_markdown(results: dict[str, Any]) -> list[str]:
    """Relayed payments per setup (issue 14): each beside the raw transfers the node takes in the same run."""
    setups = (results.get("payments") or {}).get("setups") or {}
    if not setups:
        return []
    lines = ["", "## Relayed payments per setup (issue 14; `python -m bench payments`)", "",
             "| setup | relayed/s (8 clients) | one at a time | raw transfers/s, 8 senders | raw, one sender "
             "| relay_vs_raw |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in setups.items():
        lines.append(
            f"| {name} | {fmt(r['relayed_payments_per_s'])} | {fmt(r['sequential_payments_per_s'])} "
            f"| {fmt(r['baseline_raw_transfers_concurrent_per_s'])} | {fmt(r['baseline_raw_transfers_per_s'])} "
            f"| {r['relay_vs_raw']:.2f}× |"
        )
    return lines


# The issue-14 figures other tools read from results.json "targets": (key, what, target).
TARGETS = (
    ("tasks_vs_sql", "GET /tasks ÷ the same SQL from a bare endpoint (50 clients, SQLite, 1 process)", "≥ 0.75×"),
    ("accounts_vs_sql", "GET /accounts/{address} ÷ the same SQL from a bare endpoint", "≥ 0.5×"),
    ("overload_5xx", "5xx and timeouts, GET /tasks at 200 clients for 20 s", "0"),
    ("overload_vs_50", "throughput at 200 clients ÷ at 50", "≥ 1.0×"),
)


def reads_markdown(results: dict[str, Any]) -> list[str]:
    """The reads table (issue 14): each route beside its SQL, per setup, then the targets."""
    reads = (results.get("api") or {}).get("reads") or {}
    setups = {k: v for k, v in reads.items() if isinstance(v, dict) and "tasks" in v}
    if not setups:
        return []
    lines = ["", "## Reads at the speed of the database, and under load (issue 14; `python -m bench.api reads`)",
             f"({results['machine']['date']})", "",
             "| setup | path | route req/s (p50 / p99 ms) | same SQL, bare req/s (p50 / p99 ms) | ratio | p99 ÷ p50 |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for setup, data in setups.items():
        for name in ("tasks", "accounts"):
            r, q = data[name]["route"], data[name]["sql"]
            lines.append(
                f"| {setup} | {name} | {fmt(r['requests_per_s'])} ({fmt(r['p50_ms'])} / {fmt(r['p99_ms'])}) | "
                f"{fmt(q['requests_per_s'])} ({fmt(q['p50_ms'])} / {fmt(q['p99_ms'])}) | {data[name]['ratio']:.2f}× | "
                f"{data[name]['p99_over_p50']:.2f} |"
            )
        o = data["overload"]
        lines.append(
            f"| {setup} | tasks, {o['clients']} clients | {fmt(o['requests_per_s'])} ({fmt(o['p50_ms'])} / "
            f"{fmt(o['p99_ms'])}) | 5xx: {o['five_hundreds']} | {o['vs_50_clients']:.2f}× of 50 clients | |"
        )
    targets = results.get("targets") or {}
    lines += ["", "| target (results.json `targets`) | value | target |", "| --- | ---: | --- |"]
    for key, what, goal in TARGETS:
        if key in targets:
            value = targets[key]
            lines.append(f"| `{key}`: {what} | {value:.2f} | {goal} |" if isinstance(value, float) else
                         f"| `{key}`: {what} | {fmt(value)} | {goal} |")
    from bench.api import READS_NOTE

    return [*lines, *READS_NOTE.rstrip("\n").split("\n")]


def main(selected: list[str]) -> int:
    large = LARGE in selected
    selected = [name for name in selected if name != LARGE]
    results: dict[str, Any] = {"machine": machine()}
    if selected:  # a partial run keeps the other benchmarks' sections of the last results.json
        try:
            previous = json.loads((HERE / "results.json").read_text())
        except (OSError, ValueError):
            previous = {}
        skip = ("machine", "targets", "kept", *selected)
        results.update({k: v for k, v in previous.items() if k not in skip})
        results["kept"] = [key for key, _ in BENCHMARKS if key in previous and key not in selected]
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
    # Sections not run this time, and the targets they set, stay as the last run left them.
    results["targets"] = targets(results)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (HERE / "results.md").write_text(table)
    print("\n" + table)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
