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
# The first 20 accounts of the Anvil/Hardhat test mnemonic "test test test test test test test test test test
# test junk" (derived with eth-account's HD wallet; tests/backend/test_settings.py derives them again). Their
# keys are public: a key controlling one of these addresses is refused outside development, however spelt.
DEV_ADDRESSES = frozenset(
    address.lower()
    for address in (
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
        "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
        "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
        "0xBcd4042DE499D14e55001CcbB24a551F3b954096",
        "0x71bE63f3384f5fb98995898A86B02Fb2426c5788",
        "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a",
        "0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec",
        "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097",
        "0xcd3B766CCDd6AE721141F452C550Ca635964ce71",
        "0x2546BcD3c84621e976D8185a91A922aE77ECEc30",
        "0xbDA5747bFD65F08deb54cb465eB87D40e51B197E",
        "0xdD2FD4581271e230360230F9337D5c0430Bf44C0",
        "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199",
    )
)
EXAMPLE_IBAN = "NL91ABNA0417164300"  # the Dutch example IBAN of the documentation
# A reorg deeper than this is not seen on the PoS chains Heitje targets (Gnosis Chain finalises in
# minutes; Ethereum's own clients treat 12 blocks as safe): below it, one reorg could pay a shop twice.
MIN_PRODUCTION_CONFIRMATIONS = 12
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
    # claims: photo decoding, claim expiry, open-claim limit (issue 11)
    "MAX_PHOTO_PIXELS": "max_photo_pixels",
    "PHOTO_LONG_SIDE": "photo_long_side",
    "PHOTO_WORKERS": "photo_workers",
    "PHOTO_WORKER_MEMORY_MB": "photo_worker_memory_mb",
    "CLAIM_EXPIRY_HOURS": "claim_expiry_hours",
    "MAX_OPEN_CLAIMS": "max_open_claims",
    # edge (issue 11): request limits
    "MAX_JSON_BYTES": "max_json_bytes",
    "RATE_LIMITS": "rate_limits",
    # relaying (issue 11): the relayer's gas is the city's money
    "MIN_RELAY_AMOUNT": "min_relay_amount",
    "RELAY_GAS_PER_PAYER_DAY": "relay_gas_per_payer_day",
    "RELAY_GAS_PER_DAY": "relay_gas_per_day",
    "RELAYER_LOW_BALANCE": "relayer_low_balance",
    # privacy (issue 13): retention of proof and sign-in records
    "RETENTION_DAYS": "retention_days",
    "RETENTION_SWEEP_SECONDS": "retention_sweep_seconds",
    # -- coin operations (heitje coin ...)
    "GAS_BALANCE_FLOOR_ETH": "gas_balance_floor_eth",
    "SAFE_PROPOSALS_DIR": "safe_proposals_dir",
    # rewards: the time zone whose calendar year the yearly cap counts in
    "CAP_TIMEZONE": "cap_timezone",
    # allowance rules, audit trail and open data (issue 13, rules)
    "MONTHLY_CAP": "monthly_cap",
    "MAX_HOURLY_RATE": "max_hourly_rate",
    "SEPA_FOUR_EYES_TOTAL": "sepa_four_eyes_total",
    "OPEN_DATA_MIN_CITIZENS": "open_data_min_citizens",
    "OPEN_DATA_DIR": "open_data_dir",
    # load (issue 14): threads and connections sized together, overload answered quickly
    "HTTP_THREADS": "http_threads",
    "OVERLOAD_WAIT_SECONDS": "overload_wait_seconds",
    "MAX_WAITING_REQUESTS": "max_waiting_requests",
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
    city_iban: str = EXAMPLE_IBAN  # set the city's own in production
    city_bic: str = "ABNANL2A"
    open_data_salt: str = "development-salt"
    indexer_chunk_blocks: int = Field(default=2000, ge=1)
    # claims (issue 11): a proof photo's pixels are checked from its header before decoding; decoding runs
    # in PHOTO_WORKERS separate processes, each with a memory ceiling; what is stored is a JPEG whose long
    # side is at most PHOTO_LONG_SIDE. A claim without proof expires after CLAIM_EXPIRY_HOURS (or at the
    # task's deadline) and frees its place; a citizen holds at most MAX_OPEN_CLAIMS claims without proof.
    max_photo_pixels: int = Field(default=24_000_000, ge=1_000_000, le=100_000_000)
    photo_long_side: int = Field(default=2000, ge=320, le=8000)
    photo_workers: int = Field(default=2, ge=1, le=16)
    photo_worker_memory_mb: int = Field(default=1024, ge=256)
    claim_expiry_hours: float = Field(default=48.0, gt=0)
    max_open_claims: int = Field(default=3, ge=1)
    # -- edge (issue 11): body and rate limits (backend/http/). RATE_LIMITS is "bucket=count/seconds,..."
    # (buckets: sign_in, claims, uploads, reads, writes, relays) or "off"; unset means the defaults of
    # backend.http.limits (generous ones when HEITJE_ENV=test, so only tests that ask for tight ones meet them).
    max_json_bytes: int = Field(default=64 * 1024, ge=1024)
    rate_limits: str | None = None
    # -- relaying (issue 11; backend/relaying): the relayer pays the gas of every relayed payment and
    # redemption. It refuses amounts below MIN_RELAY_AMOUNT (coins), and stops relaying for a payer who
    # used RELAY_GAS_PER_PAYER_DAY gas today (about 20 payments of ~75,000 gas) or once the day's relays
    # used RELAY_GAS_PER_DAY (about 2,000 payments), the day as the city's calendar has it (CAP_TIMEZONE).
    # /healthz warns when the relayer's balance pays for fewer than RELAYER_LOW_BALANCE relays (0: never).
    min_relay_amount: Decimal = Decimal("0.10")
    relay_gas_per_payer_day: int = Field(default=2_500_000, ge=1)
    relay_gas_per_day: int = Field(default=250_000_000, ge=1)
    relayer_low_balance: int = Field(default=1000, ge=0)
    # privacy (issue 13): proof photos, notes and sign-in times are deleted this many days after the
    # claim's decision (or the sign-in); the retention worker sweeps at most this often.
    retention_days: int = Field(default=90, ge=1, le=3650)
    retention_sweep_seconds: float = Field(default=60.0, gt=0)
    # -- coin operations: `heitje coin status` warns when the minter's or relayer's ETH is below the
    # floor; Safe proposals (admin actions after the handover) wait for signatures in this directory.
    gas_balance_floor_eth: Decimal = Field(default=Decimal("0.05"), ge=0)
    safe_proposals_dir: Path = ROOT / ".heitje" / "safe-proposals"
    # rewards: the yearly cap counts rewards by the calendar year of their approval in this time zone
    # (backend.rewards.service.cap_year); a Dutch city's year runs on Amsterdam time.
    cap_timezone: str = "Europe/Amsterdam"
    # -- allowance rules, audit trail and open data (issue 13, rules); where the defaults come from: README
    monthly_cap: Decimal | None = None  # most coins a citizen can be rewarded in a calendar month; None: no cap
    max_hourly_rate: Decimal | None = Decimal("5.00")  # reward / estimated hours of a task; None: no limit
    sepa_four_eyes_total: Decimal | None = Decimal("1000.00")  # a SEPA file above it needs a second operator
    open_data_min_citizens: int = Field(default=5, ge=1)  # open-data cells with fewer citizens are suppressed
    # the open-data file of each closed month, built once and served from disk (backend.reports.open_data)
    open_data_dir: Path = ROOT / ".heitje" / "open-data"
    # -- load (issue 14): requests handled at once per API process (each holds one thread and at most one
    # database connection; the pool has these plus a few for the workers, see backend.db.make_engine);
    # a request that waits longer than OVERLOAD_WAIT_SECONDS for its turn, or finds MAX_WAITING_REQUESTS
    # already waiting, is answered 503 `overloaded` with Retry-After. 10 s: a phone on a slow network
    # waits that long anyway, and a queue of 200 people at one process clears in about 2 s (bench/results.md).
    http_threads: int = Field(default=24, ge=1, le=512)
    overload_wait_seconds: float = Field(default=10.0, gt=0)
    max_waiting_requests: int = Field(default=1000, ge=0)

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

    @field_validator("yearly_cap", "euro_per_coin", "min_relay_amount")
    @classmethod
    def _two_places(cls, value: Decimal) -> Decimal:
        if value <= 0 or value != value.quantize(Decimal("0.01")):
            raise ValueError("must be a positive amount with at most two decimals")
        return value

    @field_validator("rate_limits")
    @classmethod
    def _rate_limits_parse(cls, value: str | None) -> str | None:
        if value is not None:
            parse_rate_limits(value)
        return value

    @field_validator("cap_timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:  # rewards
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/Amsterdam") from exc
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_when_strict(self) -> Settings:
        if not self.strict:
            return self
        problems = production_problems(self)
        if problems:
            why = "production" if self.environment == "production" else "RPC_URL names a chain Heitje did not start"
            raise ValueError(
                f"refusing to start ({why}; set HEITJE_ENV=development on purpose to skip these checks): "
                + "; ".join(problems)
            )
        return self

    @property
    def strict(self) -> bool:
        """Production checks apply in production, and whenever the chain is not the local Anvil Heitje
        starts itself unless HEITJE_ENV says development (or test) on purpose."""
        if self.environment == "production":
            return True
        if "environment" in self.model_fields_set:
            return False
        return not self.local_chain

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


def _dev_address(key: str) -> str | None:
    """The development account a private key controls, if it is one (any spelling); raises for a non-key."""
    from eth_account import Account

    text = key.strip().lower().removeprefix("0x")
    try:
        address = str(Account.from_key("0x" + text).address).lower()
    except Exception as exc:  # noqa: BLE001 - eth-account raises several kinds for a malformed key
        raise ValueError("is not a private key (64 hex digits)") from exc
    return address if address in DEV_ADDRESSES else None


def production_problems(settings: Settings) -> list[str]:
    """Everything a city must set before Heitje faces the internet, each naming its variable."""
    problems = []
    if settings.secret_key == DEV_SECRET or len(settings.secret_key) < 32:
        problems.append("SECRET_KEY must be a random value of 32+ characters (the development one is public)")
    for name, key in (
        ("DEPLOYER_KEY", settings.deployer_key),
        ("MINTER_KEY", settings.minter_key),
        ("RELAYER_KEY", settings.relayer_key),
    ):
        try:
            if _dev_address(key):
                problems.append(f"{name} controls a public development account (Anvil/Hardhat test mnemonic)")
        except ValueError as exc:
            problems.append(f"{name} {exc}")
    if any("0x" + address.lower().removeprefix("0x") in DEV_ADDRESSES for address in settings.operators):
        problems.append("OPERATORS names a public development account (anyone holds its key)")
    if settings.environment == "production" and not settings.rpc_url:
        problems.append("RPC_URL is required (no local Anvil in production)")
    if settings.open_data_salt == "development-salt":
        problems.append("OPEN_DATA_SALT must be set to the city's own secret value")
    if settings.confirmations < MIN_PRODUCTION_CONFIRMATIONS:
        problems.append(f"CONFIRMATIONS must be at least {MIN_PRODUCTION_CONFIRMATIONS} (a reorg could pay twice)")
    if settings.city_iban.replace(" ", "").upper() == EXAMPLE_IBAN:
        problems.append("CITY_IBAN is the documentation's example; set the city's own account")
    if not settings.public_url.startswith("https://"):
        problems.append("PUBLIC_URL must be the https:// address citizens open")
    return problems


def parse_rate_limits(text: str) -> dict[str, tuple[int, int]]:
    """'sign_in=20/60,reads=300/60' -> {'sign_in': (20, 60), ...}; 'off' -> {}."""
    if text.strip().lower() == "off":
        return {}
    rules = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        bucket, _, rule = part.partition("=")
        count, _, seconds = rule.partition("/")
        if not (bucket.strip() and count.strip().isdigit() and seconds.strip().isdigit()):
            raise ValueError(f"{part!r} is not bucket=count/seconds")
        if int(count) < 1 or int(seconds) < 1:
            raise ValueError(f"{part!r}: count and seconds must be positive")
        rules[bucket.strip()] = (int(count), int(seconds))
    return rules


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
