"""Retention by default: photos and notes go RETENTION_DAYS after the decision, expired sign-in nonces
and old sign-in times are purged, and the council report counts what went."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from eth_account import Account
from sqlalchemy import select, update

from backend.auth.models import LoginNonce
from backend.claims.models import Claim
from backend.db import utcnow
from backend.privacy import retention
from backend.privacy.models import SignIn
from backend.wiring import load_workers


def _decided_days_ago(loop, runtime, days: int) -> int:
    claim_id, _ = loop.approved_claim()
    with runtime.sessions() as session, session.begin():
        session.execute(update(Claim).where(Claim.id == claim_id).values(reviewed_at=utcnow() - timedelta(days=days)))
    return claim_id


def _claim(runtime, claim_id: int) -> Claim:
    with runtime.sessions() as session:
        return session.get(Claim, claim_id)


def test_a_claim_decided_91_days_ago_loses_its_photo_and_note(loop, runtime):
    old = _decided_days_ago(loop, runtime, 91)
    photo = runtime.settings.photo_dir / _claim(runtime, old).photo_file

    swept = retention.run_once(runtime)

    claim = _claim(runtime, old)
    assert (claim.note, claim.photo_file, claim.photo_type) == (None, None, None)
    assert not photo.exists()
    assert (swept.photos, swept.notes) == (1, 1)
    assert claim.status == "approved" and claim.citizen  # the decision and the books stay


def test_a_claim_decided_89_days_ago_keeps_its_photo_and_note(loop, runtime):
    recent = _decided_days_ago(loop, runtime, 89)
    photo = runtime.settings.photo_dir / _claim(runtime, recent).photo_file

    swept = retention.run_once(runtime)

    claim = _claim(runtime, recent)
    assert claim.note == "done" and claim.photo_file and photo.exists()
    assert (swept.photos, swept.notes) == (0, 0)


def test_a_claim_still_under_review_keeps_its_proof_however_old(loop, runtime):
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    loop.prove(citizen, claim_id)
    with runtime.sessions() as session, session.begin():
        session.execute(update(Claim).where(Claim.id == claim_id).values(submitted_at=utcnow() - timedelta(days=400)))

    retention.run_once(runtime)

    assert _claim(runtime, claim_id).photo_file is not None


def test_the_retention_period_is_configurable(loop, runtime):
    claim_id = _decided_days_ago(loop, runtime, 11)
    short = runtime.settings.model_copy(update={"retention_days": 10})

    with runtime.sessions() as session, session.begin():
        swept = retention.sweep(session, short)

    assert swept.photos == 1 and _claim(runtime, claim_id).photo_file is None


def test_expired_sign_in_nonces_are_purged_and_live_ones_kept(client, runtime):
    live = client.get("/api/v1/auth/nonce").json()["nonce"]
    now = utcnow()
    with runtime.sessions() as session, session.begin():
        session.add(LoginNonce(nonce="expired0000000001", created_at=now, expires_at=now - timedelta(seconds=1)))

    swept = retention.run_once(runtime)

    with runtime.sessions() as session:
        assert set(session.scalars(select(LoginNonce.nonce))) == {live}
    assert swept.nonces == 1


def test_sign_in_times_are_kept_for_the_retention_period(loop, runtime):
    citizen = Account.create()
    loop.headers(citizen)
    with runtime.sessions() as session, session.begin():
        session.add(SignIn(address=citizen.address, signed_in_at=utcnow() - timedelta(days=91)))

    swept = retention.run_once(runtime)

    with runtime.sessions() as session:
        left = list(session.scalars(select(SignIn.signed_in_at).where(SignIn.address == citizen.address)))
    assert len(left) == 1 and left[0] > utcnow() - timedelta(minutes=5)
    assert swept.sign_ins == 1


def test_photo_files_no_claim_names_are_removed_after_an_hour(runtime):
    folder = runtime.settings.photo_dir
    folder.mkdir(parents=True, exist_ok=True)
    stale, fresh = folder / f"{'a' * 32}.jpg", folder / f"{'b' * 32}.png"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    _age(stale, 7200)

    with runtime.sessions() as session:
        removed = retention.sweep_orphan_files(session, folder)

    assert removed == 1 and not stale.exists() and fresh.exists()
    fresh.unlink()


def test_files_heitje_did_not_name_are_never_swept(runtime):
    folder = runtime.settings.photo_dir
    folder.mkdir(parents=True, exist_ok=True)
    other = folder / "holiday.jpg"
    other.write_bytes(b"x")
    _age(other, 7200)

    with runtime.sessions() as session:
        removed = retention.sweep_orphan_files(session, folder)

    assert removed == 0 and other.exists()
    other.unlink()


def _age(path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_council_report_counts_what_retention_removed(loop, runtime):
    _decided_days_ago(loop, runtime, 91)
    _decided_days_ago(loop, runtime, 120)
    _decided_days_ago(loop, runtime, 30)

    retention.run_once(runtime)
    retention.run_once(runtime)  # a second sweep finds nothing more

    report = loop.client.get("/api/v1/reports/summary", headers=loop.operator)
    assert report.status_code == 200
    removed = report.json()["privacy_removals"]
    assert removed["photos"] == 2 and removed["notes"] == 2 and removed["erasures"] == 0


def test_the_retention_worker_is_registered_and_sweeps_on_its_tick(loop, runtime):
    old = _decided_days_ago(loop, runtime, 91)
    workers = load_workers(runtime)
    try:
        worker = next(w for w in workers if w.name == "retention")
        assert worker.tick() is False
    finally:
        for each in workers:
            each.close()

    assert _claim(runtime, old).photo_file is None


def test_a_rejected_claim_loses_its_proof_after_the_period_too(loop, runtime):
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    loop.prove(citizen, claim_id)
    loop.client.post(f"/api/v1/claims/{claim_id}/reject", json={"reason": "blurred"}, headers=loop.operator)
    with runtime.sessions() as session, session.begin():
        session.execute(update(Claim).where(Claim.id == claim_id).values(reviewed_at=utcnow() - timedelta(days=91)))

    retention.run_once(runtime)

    claim = _claim(runtime, claim_id)
    assert (claim.note, claim.photo_file, claim.status) == (None, None, "rejected")


def test_after_retention_the_photo_link_answers_not_found(loop, runtime):
    old = _decided_days_ago(loop, runtime, 91)

    retention.run_once(runtime)

    response = loop.client.get(f"/api/v1/claims/{old}/photo", headers=loop.operator)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
