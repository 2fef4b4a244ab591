"""Plain values the chain adapter answers with about payments and redemptions (see `Chain`'s
`# -- money` methods). Nothing here talks to the node."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EncodedCall:
    """One encoded call of the coin (`data` is the 0x-hex calldata), for the relayer to simulate and send."""

    function: str
    data: str


@dataclass(frozen=True)
class Burn:
    """One Redeemed log of the coin."""

    merchant: str
    amount: int
    ref: str  # 0x-hex bytes32, lower case
    log_index: int


@dataclass(frozen=True)
class BurnReceipt:
    """What one transaction did, as far as redemptions care.

    `status`: unknown (the node has never seen it) | pending | succeeded | reverted."""

    status: str
    block_number: int | None = None
    confirmations: int = 0
    touches_coin: bool = False  # sent to the coin, or one of its logs is the coin's
    burns: list[Burn] = field(default_factory=list)
