"""`heitje demo` fills a local installation with tasks in a few districts and a registered demo shop,
once: running it again adds nothing."""

from __future__ import annotations

from eth_account import Account
from sqlalchemy import func, select

from backend import demo
from backend.merchants.models import Merchant
from backend.runtime import Runtime
from backend.settings import DEV_ADDRESSES
from backend.tasks.models import Task


def test_demo_adds_tasks_in_several_districts_and_a_demo_shop(runtime: Runtime) -> None:
    done = demo.fill(runtime)
    assert done.tasks_added == len(demo.DEMO_TASKS)
    assert done.shop_added
    with runtime.sessions() as session:
        assert len(set(session.scalars(select(Task.district)))) >= 3
        shop = session.get(Merchant, done.shop_address)
        assert shop is not None and shop.active and shop.name == demo.DEMO_SHOP_NAME


def test_demo_run_twice_adds_nothing_the_second_time(runtime: Runtime) -> None:
    demo.fill(runtime)
    again = demo.fill(runtime)
    assert (again.tasks_added, again.shop_added) == (0, False)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count(Task.id))) == len(demo.DEMO_TASKS)


def test_the_demo_shop_key_is_a_public_anvil_test_key(runtime: Runtime) -> None:
    assert Account.from_key(demo.DEMO_SHOP_KEY).address.lower() in DEV_ADDRESSES
