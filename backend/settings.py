"""The one settings object, read from the environment (and `.env`) and validated at start-up."""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ROOT = Path(__file__).resolve().parent.parent

# Anvil's well-known development accounts (mnemonic "test test ... junk"). PUBLIC TEST KEYS:
# anyone can spend from them on any chain; they are only ever defaults in development.
ANVIL_TEST_KEYS = {
    "deployer": "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",  # account 0
    "minter": "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",  # account 1
    "relayer": "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",  # account 2
}
DEV_SECRET = "development-only-secret-change-me"  # noqa: S105 - a labelled placeholder, refused in production

# Environment variable -> field name. Every setting is documented in README.md.
ENV_NAMES = {
    "HEITJE_ENV": "environment",
    "DATABASE_URL": "database_url",
    "RPC_URL": "rpc_url",
    "ANVIL_PORT": "anvil_port",
    "ANVIL_STATE": "anvil_state",
    "DEPLOYMENTS_DIR": "deployments_dir",
    "DEPLOYER_KEY": "deployer_key",
    "MINTER_KEY": "minter_key",
    "RELAYER_KEY": "relayer_key",
    "COIN_NAME": "coin_name",
    "COIN_SYMBOL": "coin_symbol",
    "OPERATORS": "operators",
    "HOST": "host",
    "PORT": "port",
    "PUBLIC_URL": "public_url",
    "SECRET_KEY": "secret_key",
    "TOKEN_TTL_SECONDS": "token_ttl_seconds",
    "NONCE_TTL_SECONDS": "nonce_ttl_seconds",
    "CONFIRMATIONS": "confirmations",
    "YEARLY_CAP": "yearly_cap",
    "REWARD_BATCH_SIZE": "reward_batch_size",
    "WORKER_POLL_SECONDS": "worker_poll_seconds",
    "STUCK_TX_SECONDS": "stuck_tx_seconds",
    "PHOTO_DIR": "photo_dir",
    "MAX_PHOTO_BYTES": "max_photo_bytes",
    "EURO_PER_COIN": "euro_per_coin",
    "CITY_NAME": "city_name",
    "CITY_IBAN": "city_iban",
    "CITY_BIC": "city_bic",
    "OPEN_DATA_SALT": "open_data_salt",
    "INDEXER_CHUNK_BLOCKS": "indexer_chunk_blocks",
    # allowance rules, audit trail and open data (issue 13, rules)
    "MONTHLY_CAP": "monthly_cap",
    "MAX_HOURLY_RATE": "max_hourly_rate",
    "SEPA_FOUR_EYES_TOTAL": "sepa_four_eyes_total",
    "OPEN_DATA_MIN_CITIZENS": "open_data_min_citizens",
}


class SettingsError(ValueError):
    """Raised at start-up when the configuration is unusable; the message names the variable."""


class Settings(BaseModel):
    """Validated configuration. Build it with `Settings.from_env()`; tests pass values directly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / '.heitje' / 'heitje.db'}"
    rpc_url: str | None = None
    anvil_port: int = Field(default=8545, ge=1, le=65535)
    anvil_state: Path = ROOT / ".heitje" / "anvil-state.json"
    deployments_dir: Path = ROOT / "deployments"
    deployer_key: str = ANVIL_TEST_KEYS["deployer"]
    minter_key: str = ANVIL_TEST_KEYS["minter"]
    relayer_key: str = ANVIL_TEST_KEYS["relayer"]
    coin_name: str = "Heerlens Heitje"
    coin_symbol: str = "HEIT"
    operators: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = ""
    secret_key: str = DEV_SECRET
    token_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    nonce_ttl_seconds: int = Field(default=600, gt=0)
    confirmations: int = Field(default=1, ge=1)
    yearly_cap: Decimal = Decimal("1500.00")
    reward_batch_size: int = Field(default=100, ge=1, le=500)
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    stuck_tx_seconds: float = Field(default=30.0, gt=0)
    photo_dir: Path = ROOT / ".heitje" / "photos"
    max_photo_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    euro_per_coin: Decimal = Decimal("1.00")
    city_name: str = "Gemeente Heerlen"
    city_iban: str = "NL91ABNA0417164300"  # the Dutch example IBAN; set the city's own in production
    city_bic: str = "ABNANL2A"
    open_data_salt: str = "development-salt"
    indexer_chunk_blocks: int = Field(default=2000, ge=1)
    # -- allowance rules, audit trail and open data (issue 13, rules); where the defaults come from: README
    monthly_cap: Decimal | None = None  # most coins a citizen can be rewarded in a calendar month; None: no cap
    max_hourly_rate: Decimal | None = Decimal("5.00")  # reward / estimated hours of a task; None: no limit
    sepa_four_eyes_total: Decimal | None = Decimal("1000.00")  # a SEPA file above it needs a second operator
    open_data_min_citizens: int = Field(default=5, ge=1)  # open-data cells with fewer citizens are suppressed

    @field_validator("monthly_cap", "max_hourly_rate", "sepa_four_eyes_total", mode="before")
    @classmethod
    def _none_means_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("none", "off"):
            return None
        return value

    @field_validator("monthly_cap", "max_hourly_rate", "sepa_four_eyes_total")
    @classmethod
    def _optional_two_places(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and (value <= 0 or value != value.quantize(Decimal("0.01"))):
            raise ValueError("must be a positive amount with at most two decimals, or none")
        return value

    @field_validator("operators", mode="before")
    @classmethod
    def _split_operators(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("yearly_cap", "euro_per_coin")
    @classmethod
    def _two_places(cls, value: Decimal) -> Decimal:
        if value <= 0 or value != value.quantize(Decimal("0.01")):
            raise ValueError("must be a positive amount with at most two decimals")
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> Settings:
        if self.environment != "production":
            return self
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be set to a random value of 32+ characters in production")
        if {self.deployer_key, self.minter_key, self.relayer_key} & set(ANVIL_TEST_KEYS.values()):
            raise ValueError("DEPLOYER_KEY, MINTER_KEY and RELAYER_KEY must not be Anvil's public test keys")
        if not self.rpc_url:
            raise ValueError("RPC_URL is required in production (no local Anvil)")
        if self.open_data_salt == "development-salt":
            raise ValueError("OPEN_DATA_SALT must be set in production")
        return self

    @property
    def local_chain(self) -> bool:
        """True when Heitje starts its own Anvil (no RPC_URL configured)."""
        return not self.rpc_url

    @property
    def effective_rpc_url(self) -> str:
        return self.rpc_url or f"http://127.0.0.1:{self.anvil_port}"

    @property
    def siwe_domain(self) -> str:
        """The host[:port] a sign-in message must name (EIP-4361 `domain`)."""
        url = self.public_url or f"http://{self.host}:{self.port}"
        return url.split("://", 1)[-1].rstrip("/")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Reads `.env` (if present) and the environment; raises SettingsError naming the bad variable."""
        if environ is None:
            from dotenv import load_dotenv

            load_dotenv(ROOT / ".env")
            environ = dict(os.environ)
        values: dict[str, object] = {
            field: environ[name] for name, field in ENV_NAMES.items() if environ.get(name, "") != ""
        }
        values.update(overrides)
        try:
            return cls.model_validate(values)
        except ValueError as exc:
            field_to_env = {field: name for name, field in ENV_NAMES.items()}
            errors: list[Any] = getattr(exc, "errors", lambda: [])()
            parts = [
                f"{field_to_env.get(str(err['loc'][0]), err['loc'][0]) if err['loc'] else 'settings'}: {err['msg']}"
                for err in errors
            ] or [str(exc)]
            raise SettingsError("invalid configuration: " + "; ".join(parts)) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
