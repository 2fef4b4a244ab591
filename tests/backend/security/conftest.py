"""Fixtures for the security tests; their helpers live in tests.support.people."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.people import People


@pytest.fixture
def people(client: TestClient, sign_in: Any) -> People:
    return People(client, sign_in)
