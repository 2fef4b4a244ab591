from __future__ import annotations

import pytest

from tests.backend.claims.helpers import Loop


@pytest.fixture
def loop(client, sign_in) -> Loop:
    return Loop(client, sign_in)
