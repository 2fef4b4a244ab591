from __future__ import annotations

import pytest

from tests.backend.claims.helpers import Loop
from tests.support.payment_requests import till  # noqa: F401 - a fixture, found by name in this namespace


@pytest.fixture
def loop(client, sign_in) -> Loop:
    return Loop(client, sign_in)
