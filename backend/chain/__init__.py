"""The chain adapter: every conversation with the EVM node goes through this package.

Domain code asks plain questions (`Chain.balance_of`, `Chain.is_rewarded`, ...) and gets plain
values; connection failures surface as `backend.errors.ChainUnavailable`.
"""

from backend.chain.client import Chain
from backend.chain.deployment import Deployment, load_deployment

__all__ = ["Chain", "Deployment", "load_deployment"]
