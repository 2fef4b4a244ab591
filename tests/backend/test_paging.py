"""Lists are paged by keyset (backend/paging.py): newest first, a page of `limit` rows, the next page's
cursor in the X-Next-Cursor header. Walking the pages while rows are added in between sees every row
that was there when the walk began exactly once, in order (new rows land before the first page)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.payments.models import Payment
from tests.backend.claims.helpers import Loop
from tests.support.accounts import new_account

API = "/api/v1"


def _walk(
    client, path: str, headers: dict[str, str], limit: int, between: Callable[[], object], key: str = "id",
    filters: dict[str, object] | None = None,
) -> list:
    """Every page of a list, `between()` run after each page; the rows' `key` in the order they came."""
    ids: list = []
    cursor = None
    while True:
        params = {**(filters or {}), "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(API + path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        assert len(response.json()) <= limit
        ids += [row[key] for row in response.json()]
        cursor = response.headers.get("X-Next-Cursor")
        between()
        if cursor is None:
            return ids


@pytest.fixture
def loop(client, sign_in) -> Loop:
    return Loop(client, sign_in)


def _add_payment(runtime, n: int) -> int:
    with runtime.sessions() as session, session.begin():
        payment = Payment(
            from_address=new_account().address,
            to_address=new_account().address,
            nonce="0x" + f"{n:064x}",
            value=100 + n,
            valid_after="0",
            valid_before="99999999999",
            signature="0x" + "cd" * 65,
            tx_hash="0x" + f"{n:064x}",
        )
        session.add(payment)
        session.flush()
        return payment.id


def test_payment_pages_show_each_payment_once_while_new_ones_arrive(client, runtime, loop):
    before = [_add_payment(runtime, n) for n in range(7)]
    added = iter(range(100, 110))

    walked = _walk(client, "/payments", loop.operator, 3, lambda: _add_payment(runtime, next(added)))

    assert walked == sorted(before, reverse=True)


def test_claim_pages_show_each_claim_once_while_new_ones_arrive(client, loop):
    task_id = loop.create_task(capacity=50)
    before = [loop.claim(new_account(), task_id) for _ in range(5)]

    walked = _walk(client, "/claims", loop.operator, 2, lambda: loop.claim(new_account(), task_id))

    assert walked == sorted(before, reverse=True)


def test_task_pages_show_each_task_once_while_new_ones_arrive(client, loop):
    before = [loop.create_task() for _ in range(5)]

    walked = _walk(client, "/tasks", {}, 2, lambda: loop.create_task())

    assert walked == sorted(before, reverse=True)


def test_the_last_page_has_no_next_cursor(client, loop):
    loop.create_task()
    response = client.get(API + "/tasks", params={"limit": 1})
    assert len(response.json()) == 1
    assert "X-Next-Cursor" not in response.headers
    assert "Link" not in response.headers


def test_a_page_with_more_after_it_links_to_the_next(client, loop):
    loop.create_task()
    loop.create_task()
    response = client.get(API + "/tasks", params={"limit": 1, "district": "Centrum"})
    cursor = response.headers["X-Next-Cursor"]
    assert f"cursor={cursor}" in response.headers["Link"] and 'rel="next"' in response.headers["Link"]
    assert "district=Centrum" in response.headers["Link"]


def test_a_page_holds_fifty_rows_unless_asked(client, runtime, loop):
    for n in range(51):
        _add_payment(runtime, n)
    response = client.get(API + "/payments", headers=loop.operator)
    assert len(response.json()) == 50
    assert "X-Next-Cursor" in response.headers


@pytest.mark.parametrize("limit", [0, 201])
def test_a_limit_outside_one_to_two_hundred_is_a_422(client, limit):
    response = client.get(API + "/tasks", params={"limit": limit})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEuNV0", "eyJhIjoxfQ", "WyJ4Il0", "WzEsMl0"])
def test_a_cursor_the_server_did_not_hand_out_is_a_422_bad_cursor(client, cursor):
    response = client.get(API + "/tasks", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_cursor"


def test_a_registry_cursor_with_a_time_without_zone_is_a_422(client, loop):
    from backend import paging

    naive = paging.encode(["2026-01-01T00:00:00", "0x" + "0" * 40])
    response = client.get(API + "/merchants/registry", params={"cursor": naive}, headers=loop.operator)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_cursor"


def test_account_history_pages_merge_rewards_and_payments_newest_first_each_once(client, runtime, loop):
    from datetime import UTC, datetime, timedelta

    from backend.claims.models import Claim
    from backend.indexer.models import TRANSFER, ChainEvent
    from backend.rewards.models import Reward

    citizen = new_account()
    shop = new_account().address
    task_ids = [loop.create_task() for _ in range(3)]  # one claim per task and citizen
    noon = datetime(2026, 3, 2, 12, tzinfo=UTC)
    times = [noon, noon, noon - timedelta(hours=1), noon - timedelta(hours=2)]  # ties across both sources
    with runtime.sessions() as session, session.begin():
        for n, at in enumerate(times[:3]):
            claim = Claim(task_id=task_ids[n], citizen=citizen.address, status="approved")
            session.add(claim)
            session.flush()
            session.add(Reward(claim_id=claim.id, citizen=citizen.address, amount_units=100 + n, year=2026,
                               status="confirmed", created_at=at, confirmed_at=at))
        for n, at in enumerate(times):  # a later block never has an earlier time
            session.add(ChainEvent(tx_hash="0x" + f"{n:064x}", log_index=0, block_number=20 - n,
                                   block_hash="0x" + "00" * 32, block_time=at, kind=TRANSFER,
                                   account=citizen.address, counterparty=shop, amount=200 + n))
    headers = loop.headers(citizen)
    whole = client.get(f"{API}/accounts/{citizen.address}", params={"limit": 200}, headers=headers).json()["history"]

    lines, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"{API}/accounts/{citizen.address}", params=params, headers=headers)
        assert len(response.json()["history"]) <= 2
        lines += response.json()["history"]
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break

    assert len(whole) == 7
    assert [line["at"] for line in whole] == sorted((line["at"] for line in whole), reverse=True)
    assert lines == whole


def _add_payout(runtime, n: int, batch_id: int | None = None) -> int:
    from backend.db import utcnow
    from backend.payouts.models import Payout

    with runtime.sessions() as session, session.begin():
        payout = Payout(
            tx_hash="0x" + f"{n:064x}", log_index=0, block_number=n, block_hash="0x" + "ab" * 32,
            merchant=new_account().address, ref="0x" + f"{n:064x}", units=500, amount_cents=500,
            status="due", batch_id=batch_id, redeemed_at=utcnow(),
        )
        session.add(payout)
        session.flush()
        return payout.id


def _add_redemption(runtime, n: int, merchant: str | None = None) -> int:
    from backend.redemptions.models import Redemption

    with runtime.sessions() as session, session.begin():
        redemption = Redemption(
            ref="0x" + f"{n:064x}", merchant=merchant or new_account().address, amount=500,
            auth_nonce="0x" + f"{n:064x}", valid_after=0, valid_before=2**40, status="requested",
        )
        session.add(redemption)
        session.flush()
        return redemption.id


def _add_merchant(runtime, n: int) -> str:
    from backend.merchants.models import Merchant

    address = new_account().address
    with runtime.sessions() as session, session.begin():
        session.add(Merchant(address=address, name=f"Winkel {n}", iban="NL02ABNA0123456789", chain_status="done"))
    return address


def _add_audit_entry(runtime, n: int) -> int:
    from sqlalchemy import func, select

    from backend.audit import service as audit
    from backend.audit.models import AuditEntry

    with runtime.sessions() as session, session.begin():
        audit.record(session, "cli", "task_posted", f"task:{n}", {"n": n})
        session.flush()
        return int(session.scalar(select(func.max(AuditEntry.id))))


def _add_batch(runtime, n: int) -> int:
    from backend.payouts.models import PayoutBatch

    with runtime.sessions() as session, session.begin():
        batch = PayoutBatch(message_id=f"HEITJE-{n}", payout_count=0, total_cents=0, xml="<Document/>",
                            created_by="cli")
        session.add(batch)
        session.flush()
        return batch.id


@pytest.mark.parametrize(
    ("path", "add"),
    [
        ("/payouts", _add_payout),
        ("/redemptions", _add_redemption),
        ("/audit", _add_audit_entry),
        ("/payouts/batches", _add_batch),
    ],
)
def test_operator_list_pages_show_each_row_once_while_new_ones_arrive(client, runtime, loop, path, add):
    operator = loop.operator  # signed in before the rows are counted
    before = [add(runtime, n) for n in range(1, 8)]
    added = iter(range(100, 110))

    walked = _walk(client, path, operator, 3, lambda: add(runtime, next(added)))

    assert walked == sorted(before, reverse=True)


def test_a_filtered_payout_list_pages_within_its_filter(client, runtime, loop):
    batch = _add_batch(runtime, 1)
    inside = [_add_payout(runtime, n, batch_id=batch if n % 2 else None) for n in range(1, 10)]
    added = iter(range(100, 110))

    walked = _walk(
        client, "/payouts", loop.operator, 2, lambda: _add_payout(runtime, next(added), batch),
        filters={"batch_id": batch},
    )

    assert walked == sorted((p for n, p in enumerate(inside, start=1) if n % 2), reverse=True)


def test_a_merchants_redemption_pages_hold_only_its_own_each_once(client, runtime, loop):
    shop = new_account()
    mine = [_add_redemption(runtime, n, merchant=shop.address) for n in range(1, 6)]
    [_add_redemption(runtime, n) for n in range(10, 14)]  # another shop's
    added = iter(range(100, 110))
    _add_merchant_account(runtime, shop.address)

    walked = _walk(
        client, "/redemptions", loop.headers(shop), 2, lambda: _add_redemption(runtime, next(added), shop.address)
    )

    assert walked == sorted(mine, reverse=True)


def _add_merchant_account(runtime, address: str) -> None:
    from backend.merchants.models import Merchant

    with runtime.sessions() as session, session.begin():
        session.add(Merchant(address=address, name="Bakkerij", iban="NL02ABNA0123456789", chain_status="done"))


def test_registry_pages_show_each_merchant_once_while_new_ones_register(client, runtime, loop):
    from backend.merchants.models import Merchant

    before = [_add_merchant(runtime, n) for n in range(6)]
    with runtime.sessions() as session:
        newest_first = session.query(Merchant).order_by(Merchant.created_at.desc(), Merchant.address.desc())
        order = [m.address for m in newest_first]
    added = iter(range(100, 110))

    walked = _walk(client, "/merchants/registry", loop.operator, 2, lambda: _add_merchant(runtime, next(added)),
                   key="address")

    assert walked == order and set(walked) == set(before)
