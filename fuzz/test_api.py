"""Runs in .venv-fuzz (schemathesis + a current hypothesis), never in .venv: `python -m fuzz` starts the
server from .venv, signs in as each role and runs this file with the tokens in the environment.

One test per group of endpoints (the OpenAPI tag). Every generated case (valid and invalid inputs) is
sent once per role: anonymous, citizen, merchant, operator. Hard checks: no 5xx, and every response
matches its documented schema. Also counted, as findings: undocumented status codes and content types."""

from __future__ import annotations

import json
import math
import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

BASE_URL = os.environ["FUZZ_BASE_URL"]
TOKENS: dict[str, str | None] = {"anonymous": None, **json.loads(os.environ["FUZZ_TOKENS"])}
PER_GROUP = int(os.environ.get("FUZZ_REQUESTS_PER_GROUP", "1000"))
OUT = os.environ["FUZZ_RESULTS"]
HARD = [not_a_server_error, response_schema_conformance]
SOFT = [status_code_conformance, content_type_conformance]

schema = schemathesis.openapi.from_url(f"{BASE_URL}/api/v1/openapi.json")
schema.config.base_url = BASE_URL
SENT: Counter[str] = Counter()  # "group role" -> requests
STATUSES: Counter[str] = Counter()  # "group status" -> responses
FAILURES: dict[str, set[str]] = {"hard": set(), "soft": set()}
HUNG: set[str] = set()  # operations that once took longer than TIMEOUT
TIMEOUT = float(os.environ.get("FUZZ_TIMEOUT_SECONDS", "15"))


def _groups() -> dict[str, int]:
    counts: Counter[str] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        tags = operation.definition.raw.get("tags") or ["untagged"]
        counts[tags[0]] += 1
    return dict(counts)


def _describe(exc: BaseException) -> list[str]:
    inner = getattr(exc, "exceptions", None) or [exc]
    return [str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__ for e in inner]


def _make_test(group: str, operations: int):  # type: ignore[no-untyped-def]
    # Enough generated cases that (cases x operations x roles) passes PER_GROUP, with some spare for the
    # operations whose input space is tiny (hypothesis stops early when it has tried everything).
    examples = max(20, math.ceil(PER_GROUP * 1.6 / (operations * len(TOKENS))))

    @schema.include(tag=group).parametrize()
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    def test(case) -> None:  # type: ignore[no-untyped-def]
        label = case.operation.label
        if label in HUNG:
            return  # the server already took longer than TIMEOUT here: a finding, and not worth more CPU
        for role, token in TOKENS.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                response = case.call(headers=headers, timeout=TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - a hung or dropped request is a hard failure
                SENT[f"{group} {role}"] += 1
                HUNG.add(label)
                body = str(case.body)[:120] if case.body is not None else ""
                FAILURES["hard"].add(
                    f"{label} as {role}: no answer within {TIMEOUT} s ({type(exc).__name__}); "
                    f"body {body!r}; further cases for this operation skipped"
                )
                return
            SENT[f"{group} {role}"] += 1
            STATUSES[f"{group} {response.status_code}"] += 1
            where = f"{label} as {role} -> {response.status_code}"
            for kind, checks in (("hard", HARD), ("soft", SOFT)):
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - FailureGroup is a BaseExceptionGroup
                    for line in _describe(exc):
                        FAILURES[kind].add(f"{where}: {line}")

    test.__name__ = f"test_{group}"
    return test


for _group, _operations in _groups().items():
    globals()[f"test_{_group}"] = _make_test(_group, _operations)


def test_zz_no_server_errors_and_every_response_matches_its_schema() -> None:
    with open(OUT, "w") as out:
        json.dump(
            {
                "sent": dict(SENT),
                "statuses": dict(STATUSES),
                "hard": sorted(FAILURES["hard"]),
                "soft": sorted(FAILURES["soft"]),
            },
            out,
            indent=2,
        )
    assert not FAILURES["hard"], "\n".join(sorted(FAILURES["hard"])[:50])
