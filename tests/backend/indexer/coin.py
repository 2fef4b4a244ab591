"""Moved to tests.support.coin; re-exported for the tests that still import it from here."""

from tests.support.coin import (  # noqa: F401
    ADMIN_KEY,
    MINTER_KEY,
    Coin,
    Sent,
    funded_merchant,
    new_account,
    ref_bytes,
    ref_hex,
    register_merchant,
)
