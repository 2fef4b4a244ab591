"""The coin's own administration, as the chain sees it: who holds which role (replayed from the
RoleGranted/RoleRevoked events), the policy switches, the mint budget, and the calls that change them.

Everything answers in plain values; `backend.coin` (the `heitje coin` commands) and the brownie scripts
in `scripts/coin_*.py` build on it. The calls are encoded here and sent either from an operator's key
(`send_call`) or wrapped in a Safe transaction (`backend.chain.safe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.types import FilterParams, RPCEndpoint, TxParams

from backend.chain.artifacts import coin_abi
from backend.chain.client import chain_call, connect
from backend.chain.deploy import ROLE_NAMES
from backend.chain.deployment import Deployment
from backend.chain.relayer import decode_revert

if TYPE_CHECKING:
    from backend.chain.safe import Safe, SafeDeployment

ROLE_IDS: dict[str, bytes] = {
    name: (b"\x00" * 32 if name == "DEFAULT_ADMIN_ROLE" else Web3.keccak(text=name)) for name in ROLE_NAMES
}
ROLE_BY_ID: dict[bytes, str] = {role_id: name for name, role_id in ROLE_IDS.items()}
ROLE_GRANTED = Web3.keccak(text="RoleGranted(bytes32,address,address)")
ROLE_REVOKED = Web3.keccak(text="RoleRevoked(bytes32,address,address)")
REWARDED = Web3.keccak(text="Rewarded(bytes32,address,uint256)")
MINT_LIMIT_MAX = 2**56 - 1  # units: the coin stores the limit in 56 bits and reverts above (SafeCast)


def role_id(name: str) -> bytes:
    """The bytes32 of a role given by name ("MINTER_ROLE", or "MINTER" for short); KeyError if unknown."""
    key = name.upper()
    if not key.endswith("_ROLE"):
        key += "_ROLE"
    return ROLE_IDS[key]


@dataclass(frozen=True)
class CoinState:
    """The coin's switches and budget at the latest block. Amounts in units."""

    paused: bool
    open_transfers: bool
    mint_limit: int
    mint_period_seconds: int
    mint_remaining: int
    total_supply: int


@dataclass(frozen=True)
class Call:
    """One call to the coin, ready to send from a key or to propose through a Safe."""

    to: str
    data: str
    description: str


@dataclass(frozen=True)
class Minted:
    """One reward a given key sent: block, transaction, on-chain claim id (as a number: an
    installation's prefix above its claim number, see claim_id_bytes), citizen, units."""

    block: int
    tx_hash: str
    claim_id: int
    citizen: str
    units: int


class CallReverted(Exception):
    """The chain refused an admin call; `reason` names the custom error when the coin has one."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CoinAdmin:
    """Reads and changes the coin's administration. Thread-safe as web3's HTTP provider is."""

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.coin: Contract = w3.eth.contract(address=Web3.to_checksum_address(deployment.address), abi=coin_abi())

    @classmethod
    def connect(cls, rpc_url: str, deployment: Deployment) -> CoinAdmin:
        return cls(connect(rpc_url), deployment)

    @property
    def address(self) -> str:
        return str(self.coin.address)

    # --- the Safe (kept here so no web3 object leaves backend.chain) -------------------------------

    def safe(self, address: str) -> Safe:
        from backend.chain.safe import Safe  # safe.py imports this module

        return Safe(self.w3, address)

    def deploy_safe(self, key: str, owners: list[str], threshold: int) -> SafeDeployment:
        from backend.chain.safe import deploy_safe

        return deploy_safe(self.w3, key, owners=owners, threshold=threshold)

    # --- reading ----------------------------------------------------------------------------------

    @chain_call
    def state(self) -> CoinState:
        f = self.coin.functions
        limit, period = f.mintLimit().call()
        return CoinState(
            paused=bool(f.paused().call()),
            open_transfers=bool(f.openTransfers().call()),
            mint_limit=int(limit),
            mint_period_seconds=int(period),
            mint_remaining=int(f.mintLimitRemaining().call()),
            total_supply=int(f.totalSupply().call()),
        )

    @chain_call
    def role_holders(self, chunk_blocks: int = 2000) -> dict[str, list[str]]:
        """Every role's holders, replayed in order from the coin's RoleGranted/RoleRevoked events since
        its deployment block (a role granted, revoked and granted again ends held)."""
        holders: dict[str, dict[str, None]] = {name: {} for name in ROLE_NAMES}
        for log in self._logs([[ROLE_GRANTED, ROLE_REVOKED]], chunk_blocks):
            name = ROLE_BY_ID.get(bytes(log["topics"][1]))
            if name is None:
                continue
            account = Web3.to_checksum_address(bytes(log["topics"][2])[-20:])
            if bytes(log["topics"][0]) == ROLE_GRANTED:
                holders[name][account] = None
            else:
                holders[name].pop(account, None)
        return {name: list(accounts) for name, accounts in holders.items()}

    @chain_call
    def has_role(self, role: str, account: str) -> bool:
        return bool(self.coin.functions.hasRole(role_id(role), Web3.to_checksum_address(account)).call())

    @chain_call
    def eth_balance(self, address: str) -> int:
        return int(self.w3.eth.get_balance(Web3.to_checksum_address(address)))

    @chain_call
    def has_code(self, address: str) -> bool:
        return len(self.w3.eth.get_code(Web3.to_checksum_address(address))) > 0

    @chain_call
    def latest_block(self) -> int:
        return int(self.w3.eth.block_number)

    @chain_call
    def minted_by(self, sender: str, since_block: int, chunk_blocks: int = 2000) -> list[Minted]:
        """Every reward paid by a transaction that `sender` signed, from block `since_block` on: the
        coin's Rewarded events, kept where the transaction's `from` is `sender`."""
        sender = Web3.to_checksum_address(sender)
        senders: dict[str, str] = {}
        minted = []
        for log in self._logs([[REWARDED]], chunk_blocks, since_block):
            tx_hash = Web3.to_hex(log["transactionHash"])
            if tx_hash not in senders:
                senders[tx_hash] = str(self.w3.eth.get_transaction(log["transactionHash"])["from"])
            if senders[tx_hash] != sender:
                continue
            minted.append(
                Minted(
                    block=int(log["blockNumber"]),
                    tx_hash=tx_hash,
                    claim_id=int.from_bytes(bytes(log["topics"][1]), "big"),
                    citizen=Web3.to_checksum_address(bytes(log["topics"][2])[-20:]),
                    units=int.from_bytes(bytes(log["data"]), "big"),
                )
            )
        return minted

    def _logs(self, topics: list[Any], chunk_blocks: int, since_block: int | None = None) -> list[Any]:
        start = max(self.deployment.block if since_block is None else since_block, 0)
        latest = int(self.w3.eth.block_number)
        logs: list[Any] = []
        while start <= latest:
            end = min(start + chunk_blocks - 1, latest)
            params = cast(
                FilterParams, {"address": self.coin.address, "topics": topics, "fromBlock": start, "toBlock": end}
            )
            logs.extend(self.w3.eth.get_logs(params))
            start = end + 1
        return logs

    @chain_call
    def in_flight(self, address: str) -> int:
        """Transactions of `address` the node holds but has not mined (pending count - mined count)."""
        address = Web3.to_checksum_address(address)
        pending = int(self.w3.eth.get_transaction_count(address, "pending"))
        return max(pending - int(self.w3.eth.get_transaction_count(address, "latest")), 0)

    @chain_call
    def sweep(self, key: str, to: str) -> tuple[str | None, int]:
        """Moves all of `key`'s ETH but the transfer's own fee to `to`; (hash, wei moved), or
        (None, 0) when the balance does not cover the fee."""
        sender = Account.from_key(key).address
        base = int(self.w3.eth.get_block("latest").get("baseFeePerGas") or 0)
        priority = int(self.w3.eth.max_priority_fee)
        max_fee = 2 * base + priority
        value = int(self.w3.eth.get_balance(sender)) - 21_000 * max_fee
        if value <= 0:
            return None, 0
        tx = {
            "to": Web3.to_checksum_address(to),
            "value": value,
            "gas": 21_000,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": priority,
        }
        return send_transaction(self.w3, key, tx), value

    # --- the calls --------------------------------------------------------------------------------

    def _call(self, function: str, args: tuple[Any, ...], description: str) -> Call:
        data = getattr(self.coin.functions, function)(*args)._encode_transaction_data()
        return Call(to=str(self.coin.address), data=str(data), description=description)

    def pause(self) -> Call:
        return self._call("pause", (), "pause the coin (transfers, rewards and redemptions stop)")

    def unpause(self) -> Call:
        return self._call("unpause", (), "unpause the coin")

    def set_mint_limit(self, units: int, period_seconds: int) -> Call:
        return self._call(
            "setMintLimit", (units, period_seconds), f"set the mint limit to {units} units per {period_seconds} s"
        )

    def set_open_transfers(self, open_: bool) -> Call:
        state = "open" if open_ else "closed"
        return self._call("setOpenTransfers", (open_,), f"set person-to-person transfers {state}")

    def grant_role(self, role: str, account: str) -> Call:
        account = Web3.to_checksum_address(account)
        return self._call("grantRole", (role_id(role), account), f"grant {role} to {account}")

    def revoke_role(self, role: str, account: str) -> Call:
        account = Web3.to_checksum_address(account)
        return self._call("revokeRole", (role_id(role), account), f"revoke {role} from {account}")

    def renounce_role(self, role: str, account: str) -> Call:
        account = Web3.to_checksum_address(account)
        return self._call("renounceRole", (role_id(role), account), f"{account} renounces {role}")

    # --- sending from a key -----------------------------------------------------------------------

    @chain_call
    def simulate(self, call: Call, sender: str) -> None:
        """Raises CallReverted (with the coin's error name) when `sender` sending `call` would revert."""
        params = [{"from": Web3.to_checksum_address(sender), "to": call.to, "data": call.data}, "latest"]
        response = self.w3.provider.make_request(RPCEndpoint("eth_call"), params)
        error = response.get("error")
        if error:
            raise CallReverted(_reason(self.coin, error))

    @chain_call
    def send_call(self, call: Call, key: str) -> str:
        """Sends `call` from `key`, waits for the receipt; returns the transaction hash.
        Raises CallReverted before sending when the chain would refuse it."""
        sender = Account.from_key(key).address
        self.simulate(call, sender)
        return send_transaction(self.w3, key, {"to": call.to, "data": call.data, "value": 0})


def _reason(coin: Contract, error: Any) -> str:
    """The coin's custom error name (and arguments) of a JSON-RPC error, else the node's message."""
    message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    data = error.get("data") if isinstance(error, dict) else None
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        decoded = decode_revert(list(coin.abi), data)  # type: ignore[arg-type]
        if decoded.error:
            return str(decoded)
    return message


def send_transaction(w3: Web3, key: str, tx: dict[str, Any], *, timeout: float = 120.0) -> str:
    """Signs and sends `tx` from `key` (nonce, fees and gas filled in, gas with a 20% margin), waits
    for its receipt; raises CallReverted if it reverted. Returns the hash."""
    account = Account.from_key(key)
    tx = {**tx, "from": account.address}
    tx.setdefault("nonce", w3.eth.get_transaction_count(account.address, "pending"))
    tx.setdefault("chainId", w3.eth.chain_id)
    if "gas" not in tx:
        tx["gas"] = int(w3.eth.estimate_gas(cast(TxParams, tx)) * 1.2) + 10_000
    if "gasPrice" not in tx and "maxFeePerGas" not in tx:
        base = int(w3.eth.get_block("latest").get("baseFeePerGas") or 0)
        priority = int(w3.eth.max_priority_fee)
        tx["maxFeePerGas"], tx["maxPriorityFeePerGas"] = 2 * base + priority, priority
    signed = account.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    if receipt["status"] != 1:
        raise CallReverted(f"transaction {Web3.to_hex(tx_hash)} reverted")
    return Web3.to_hex(tx_hash)
