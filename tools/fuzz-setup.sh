#!/usr/bin/env bash
# Creates .venv-fuzz: schemathesis in a venv of its own. It needs a newer hypothesis than brownie's
# pinned 6.27.3 in .venv, so the two never share a site-packages. The app under test runs from .venv
# as a server process; schemathesis only talks HTTP to it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
SCHEMATHESIS_VERSION=4.32.5
VENV=.venv-fuzz
STAMP=$VENV/.installed-$SCHEMATHESIS_VERSION
if [ -f "$STAMP" ]; then exit 0; fi
test -x $VENV/bin/python || $PYTHON -m venv $VENV
$VENV/bin/pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" "pytest>=8,<9"
$VENV/bin/pip check
touch "$STAMP"
