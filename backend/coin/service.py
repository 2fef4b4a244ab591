"""Operating the coin: who may do an admin action (the operator's key, or a Safe after the handover),
doing it or proposing it, and the Safe proposals' signatures and execution.

Every admin action is a `Call` (backend.chain.admin) plus the role it needs. `plan` decides how it
will be done; `carry_out` does it: sent from the operator's key when that key holds the role, else
stored as a Safe proposal when a Safe holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_account import Account

from backend.chain.admin import Call, CallReverted, CoinAdmin, role_id
from backend.chain.deployment import Deployment
from backend.chain.safe import Safe, SafeDeployment, SafeTx, recover_signer, sign_safe_hash
from backend.coin import proposals
from backend.coin.proposals import Proposal
from backend.errors import (
    AdminCallRefused,
    NotRoleHolder,
    NotSafeOwner,
    ProposalClosed,
    ThresholdNotMet,
    UnknownRole,
)
from backend.runtime import Runtime
from backend.settings import Settings

WEI_PER_ETH = 10**18


def role_name(text: str) -> str:
    """The canonical role name ("minter" -> "MINTER_ROLE"); UnknownRole if the coin has no such role."""
    try:
        role_id(text)
    except KeyError as exc:
        raise UnknownRole(text) from exc
    name = text.upper()
    return name if name.endswith("_ROLE") else name + "_ROLE"


@dataclass(frozen=True)
class Plan:
    """How an action will be done: `via` "key" (sent from `actor`) or "safe" (proposed to `actor`)."""

    call: Call
    role: str
    via: str
    actor: str
    threshold: int = 1
    owners: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.via == "key":
            return f"{self.call.description}: sent from {self.actor} (holds {self.role})"
        return (
            f"{self.call.description}: proposed to the Safe {self.actor} (holds {self.role}; "
            f"{self.threshold} of {len(self.owners)} owners must sign)"
        )


@dataclass(frozen=True)
class Done:
    """What carrying out a plan did: a transaction hash, or a proposal waiting for signatures."""

    tx_hash: str | None = None
    proposal: Proposal | None = None


@dataclass(frozen=True)
class KeyBalance:
    name: str
    address: str
    wei: int
    low: bool

    @property
    def eth(self) -> Decimal:
        return Decimal(self.wei) / WEI_PER_ETH


class CoinOps:
    """The coin's operations for one configured backend (settings + deployment record)."""

    def __init__(
        self, settings: Settings, deployment: Deployment, admin: CoinAdmin | None = None, runtime: Runtime | None = None
    ) -> None:
        self.runtime = runtime  # the database, for rotating the minter (the sender's ledger)
        self.settings = settings
        self.deployment = deployment
        self.admin = admin or CoinAdmin.connect(settings.effective_rpc_url, deployment)
        self.operator = Account.from_key(settings.deployer_key).address
        self._next_nonce: dict[str, int] = {}  # Safe -> the nonce after this process's last proposal

    # --- seeing ----------------------------------------------------------------------------------

    def key_balances(self) -> list[KeyBalance]:
        floor = int(self.settings.gas_balance_floor_eth * WEI_PER_ETH)
        result = []
        for name, key in (("minter", self.settings.minter_key), ("relayer", self.settings.relayer_key)):
            address = Account.from_key(key).address
            wei = self.admin.eth_balance(address)
            result.append(KeyBalance(name=name, address=address, wei=wei, low=wei < floor))
        return result

    def safe(self, address: str) -> Safe:
        return self.admin.safe(address)

    # --- acting ----------------------------------------------------------------------------------

    def plan(self, call: Call, role: str) -> Plan:
        """The operator's key when it holds `role`, else the first Safe among the role's holders."""
        if self.admin.has_role(role, self.operator):
            return Plan(call=call, role=role, via="key", actor=self.operator)
        for holder in self.admin.role_holders(self.settings.indexer_chunk_blocks)[role]:
            safe = self.safe(holder)
            if safe.is_safe():
                return Plan(
                    call=call,
                    role=role,
                    via="safe",
                    actor=safe.address,
                    threshold=safe.threshold(),
                    owners=tuple(safe.owners()),
                )
        raise NotRoleHolder(role, self.operator)

    def carry_out(self, plan: Plan) -> Done:
        if plan.via == "key":
            try:
                return Done(tx_hash=self.admin.send_call(plan.call, self.settings.deployer_key))
            except CallReverted as exc:
                raise AdminCallRefused(exc.reason) from exc
        return Done(proposal=self.propose(plan.actor, plan.call))

    def deploy_safe(self, owners: list[str], threshold: int) -> SafeDeployment:
        return self.admin.deploy_safe(self.settings.deployer_key, owners, threshold)

    def handover(self, safe_address: str) -> list[str]:
        """Grants DEFAULT_ADMIN_ROLE and PAUSER_ROLE to the Safe, then renounces both from the operator's
        key (the admin role last: it is what grants). Returns the transactions' hashes."""
        key = self.settings.deployer_key
        calls = [
            self.admin.grant_role("DEFAULT_ADMIN_ROLE", safe_address),
            self.admin.grant_role("PAUSER_ROLE", safe_address),
            self.admin.renounce_role("PAUSER_ROLE", self.operator),
            self.admin.renounce_role("DEFAULT_ADMIN_ROLE", self.operator),
        ]
        try:
            return [self.admin.send_call(call, key) for call in calls]
        except CallReverted as exc:
            raise AdminCallRefused(exc.reason) from exc

    # --- Safe proposals --------------------------------------------------------------------------

    def propose(self, safe_address: str, call: Call) -> Proposal:
        """Stores `call` as a Safe transaction at the Safe's current nonce, with the hash to sign."""
        safe = self.safe(safe_address)
        directory = self.settings.safe_proposals_dir
        # Several proposals from one command (a rotation grants two roles) take successive nonces, so
        # each can execute after the other; separate commands each start at the Safe's nonce.
        nonce = max(safe.nonce(), self._next_nonce.get(safe.address, 0))
        self._next_nonce[safe.address] = nonce + 1
        tx = SafeTx(to=call.to, data=call.data, nonce=nonce)
        proposal = Proposal(
            id=proposals.next_id(directory),
            chain_id=self.deployment.chain_id,
            safe=safe.address,
            to=tx.to,
            data=tx.data,
            nonce=tx.nonce,
            safe_tx_hash=safe.tx_hash(tx),
            description=call.description,
        )
        proposals.save(directory, proposal)
        return proposal

    def _open(self, proposal_id: str) -> tuple[Proposal, Safe]:
        proposal = proposals.load(self.settings.safe_proposals_dir, proposal_id)
        safe = self.safe(proposal.safe)
        if proposal.executed_tx:
            raise ProposalClosed(proposal.id, f"executed in {proposal.executed_tx}")
        if safe.nonce() != proposal.nonce:
            raise ProposalClosed(proposal.id, f"the Safe's nonce {proposal.nonce} was used by another transaction")
        return proposal, safe

    def add_signature(self, proposal_id: str, signature: str) -> tuple[Proposal, str]:
        """Adds an owner's signature after checking that it recovers to an owner of the Safe."""
        proposal, safe = self._open(proposal_id)
        try:
            signer = recover_signer(proposal.safe_tx_hash, signature)
        except Exception as exc:  # noqa: BLE001 - any malformed signature is "not an owner's"
            raise NotSafeOwner("an unreadable signature", safe.address) from exc
        if signer not in safe.owners():
            raise NotSafeOwner(signer, safe.address)
        proposal.signatures[signer] = signature
        proposals.save(self.settings.safe_proposals_dir, proposal)
        return proposal, signer

    def sign(self, proposal_id: str, key: str) -> tuple[Proposal, str]:
        """Signs the proposal's SafeTx hash with an owner's key and stores the signature."""
        proposal = proposals.load(self.settings.safe_proposals_dir, proposal_id)
        return self.add_signature(proposal_id, sign_safe_hash(key, proposal.safe_tx_hash))

    def execute(self, proposal_id: str, *, force: bool = False) -> Proposal:
        """Sends execTransaction once the proposal has the threshold's signatures (`force` sends it
        anyway, for a drill: the Safe itself then refuses)."""
        proposal, safe = self._open(proposal_id)
        owners = set(safe.owners())
        valid = {owner: sig for owner, sig in proposal.signatures.items() if owner in owners}
        need = safe.threshold()
        if len(valid) < need and not force:
            raise ThresholdNotMet(len(valid), need)
        tx = SafeTx(to=proposal.to, data=proposal.data, nonce=proposal.nonce, value=proposal.value)
        try:
            proposal.executed_tx = safe.execute(tx, valid, self.settings.deployer_key)
        except CallReverted as exc:
            raise AdminCallRefused(exc.reason) from exc
        proposals.save(self.settings.safe_proposals_dir, proposal)
        return proposal
