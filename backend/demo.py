"""`heitje demo`: a first look that is not empty. Fills a LOCAL installation with tasks in a few of
Heerlen's districts and a registered demo shop, so a newcomer who runs `make run` sees the story.

The demo shop's key is Anvil's public test account #5: anyone can open the app as that shop (restore
the wallet with the key). The command refuses anywhere but development or test for that reason.
Running it again adds nothing that is already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import typer
from eth_account import Account
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cli_params import cli_runtime
from backend.db import transaction
from backend.merchants import service as merchants
from backend.merchants.models import Merchant
from backend.runtime import Runtime
from backend.settings import EXAMPLE_IBAN
from backend.tasks import service as tasks
from backend.tasks.models import Task
from backend.tasks.schemas import TaskIn

# Anvil's PUBLIC test account #5 (mnemonic "test test ... junk", m/44'/60'/0'/0/5): never for real money.
DEMO_SHOP_KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"
DEMO_SHOP_NAME = "Bakkerij Demo"

DEMO_TASKS: tuple[dict[str, object], ...] = (
    {"title": "Bankje schilderen op het Pancratiusplein", "district": "Centrum", "reward": "15.00", "capacity": 2,
     "minutes": 180, "latitude": 50.8882, "longitude": 5.9795,
     "description": "Schuur het groene bankje en geef het twee lagen verf. Verf en kwasten liggen bij de bibliotheek."},
    {"title": "Zwerfvuil rapen op het Emmaplein", "district": "Centrum", "reward": "7.50", "capacity": 4,
     "minutes": 90, "latitude": 50.8868, "longitude": 5.9722,
     "description": "Raap het zwerfvuil rond het plein. Knijpers en zakken haal je bij het wijkcentrum."},
    {"title": "Plantenbakken water geven bij de bibliotheek", "district": "Heerlerbaan", "reward": "5.00",
     "capacity": 1, "minutes": 60,
     "description": "Geef de plantenbakken voor de bibliotheek water, een week lang elke avond."},
    {"title": "Speeltuin vegen aan de Kruisberg", "district": "Heerlerbaan", "reward": "10.00", "capacity": 2,
     "minutes": 120, "latitude": 50.8767, "longitude": 6.0006,
     "description": "Veeg de paden en het zandbakrandje van de speeltuin."},
    {"title": "Bladeren harken in het Aambos", "district": "Hoensbroek", "reward": "12.50", "capacity": 3,
     "minutes": 150, "latitude": 50.9240, "longitude": 5.9260,
     "description": "Hark de bladeren van de wandelpaden op hopen; de gemeente haalt ze op."},
    {"title": "Buurtboekenkastje opruimen", "district": "Hoensbroek", "reward": "4.00", "capacity": 1,
     "minutes": 48, "description": "Zet de boeken recht en haal kapotte boeken eruit."},
)

@dataclass(frozen=True)
class DemoFilled:
    tasks_added: int
    shop_address: str
    shop_added: bool


def fill(runtime: Runtime) -> DemoFilled:
    """Adds the demo tasks that are missing (by title) and registers the demo shop if it is not yet.
    The sender of `heitje up` registers the shop on chain."""
    if runtime.settings.strict:  # production, or a chain Heitje did not start (without HEITJE_ENV=development)
        raise RuntimeError("the demo uses public test keys: only on a local development installation")
    operator = runtime.deployment.admin
    shop = Account.from_key(DEMO_SHOP_KEY).address
    with transaction(runtime.sessions) as session:
        added = _add_tasks(session, operator, runtime.settings.max_hourly_rate)
        shop_added = session.get(Merchant, shop) is None
        if shop_added:
            merchants.register(session, address=shop, name=DEMO_SHOP_NAME, iban=EXAMPLE_IBAN)
    return DemoFilled(tasks_added=added, shop_address=shop, shop_added=shop_added)


def _add_tasks(session: Session, operator: str, max_hourly_rate: Decimal | None) -> int:
    """The demo tasks pay at most the city's hourly rate, like every posted task."""
    existing = set(session.scalars(select(Task.title)))
    added = 0
    for spec in DEMO_TASKS:
        if spec["title"] in existing:
            continue
        data = TaskIn.model_validate(spec)
        tasks.create_task(session, operator=operator, data=data, max_hourly_rate=max_hourly_rate)
        added += 1
    return added


def command() -> None:
    """Fill this local installation with demo tasks and a demo shop (local only; `heitje up` shows them)."""
    runtime = cli_runtime()
    try:
        done = fill(runtime)
    except RuntimeError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    finally:
        runtime.close()
    typer.echo(f"demo: {done.tasks_added} task(s) added; shop {DEMO_SHOP_NAME} {done.shop_address} "
               f"{'registered' if done.shop_added else 'was already there'}")
    typer.echo(f"open the app as the shop: restore the wallet with Anvil's public test key #5 {DEMO_SHOP_KEY}")
