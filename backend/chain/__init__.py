"""The chain adapter: every conversation with the EVM node goes through this package, and only this
package imports web3, eth_abi or hexbytes.

- `rpc`: JSON-RPC over one pooled HTTP session (single and batched calls); a node that cannot be
  reached is `backend.errors.ChainUnavailable`, a node that says no is `RpcError`.
- `events`: the one decoder of the coin's logs (the indexer's fast rows, and `Event`s).
- `reverts`: the one decoder of revert data (the coin's custom errors by name and arguments).
- `client`: `Chain`, the typed questions (`balance_of`, `is_merchant(address, block=)`,
  `authorization_used`, `events_in(tx_hash)`, ...) answered in plain values.
- `money`: the plain values of the payment and redemption questions (encoded calls, burns).
- the transaction ledger, the reward sender and the relayer, which send.
"""

from backend.chain.client import Chain, ContractCall, TxStatus
from backend.chain.deployment import Deployment, load_deployment
from backend.chain.events import Event
from backend.chain.reverts import Revert
from backend.chain.rpc import RpcError

__all__ = ["Chain", "ContractCall", "Deployment", "Event", "Revert", "RpcError", "TxStatus", "load_deployment"]
