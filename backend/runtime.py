"""The process's shared parts, built once from Settings: database engine and sessions, the chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import Chain, node_chain_id
from backend.chain.deployment import Deployment, load_deployment
from backend.db import WORKER_CONNECTIONS, make_engine, make_session_factory
from backend.settings import Settings


class NotDeployed(RuntimeError):
    """No deployment record for the chain the backend is configured for."""


@dataclass
class Runtime:
    settings: Settings
    deployment: Deployment
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    read_sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.engine = make_engine(
            self.settings.database_url, connections=self.settings.http_threads + WORKER_CONNECTIONS
        )
        self.sessions = make_session_factory(self.engine)
        self.read_sessions = make_session_factory(self.engine.execution_options(heitje_read=True))

    @cached_property
    def chain(self) -> Chain:
        return Chain.at(self.settings.effective_rpc_url, self.deployment)

    @classmethod
    def from_settings(cls, settings: Settings, chain_id: int | None = None) -> Runtime:
        """Finds the deployment record for `chain_id` (asked of the node when not given)."""
        if chain_id is None:
            chain_id = node_chain_id(settings.effective_rpc_url)
        deployment = load_deployment(settings.deployments_dir, chain_id)
        if deployment is None:
            raise NotDeployed(
                f"no deployment record {settings.deployments_dir}/{chain_id}.json: "
                "deploy first (`heitje up` does it on a local chain; see README for live networks)"
            )
        return cls(settings=settings, deployment=deployment)

    def close(self) -> None:
        self.engine.dispose()
