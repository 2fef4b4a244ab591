"""Hostile proof photos: a huge image is refused from its header before anything is decoded, a large
legitimate one is decoded away from the event loop and without the database write lock (so the API
keeps answering), and what is stored is a JPEG of review size."""

from __future__ import annotations

import io
import threading

from eth_account import Account
from PIL import Image

from tests.support.people import People


def _flat_png(width: int, height: int) -> bytes:
    """A one-colour PNG: tiny on the wire (7000x7000 is ~140 KB), huge once decoded."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 140, 60)).save(out, format="PNG", optimize=False)
    return out.getvalue()


def test_a_photo_of_49_megapixels_is_refused_as_too_large(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    response = people.prove(citizen, claim_id, data=_flat_png(7000, 7000))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "photo_too_large"
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(citizen)).json()
    assert claim["status"] == "claimed"


def test_the_api_answers_while_a_large_photo_is_processed(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    headers = people.headers(citizen)
    photo = _flat_png(6000, 4000)
    answers: dict[str, int] = {}

    def upload() -> None:
        response = people.client.post(
            f"/api/v1/claims/{claim_id}/proof", headers=headers, files={"photo": ("p.png", photo, "image/png")}
        )
        answers["upload"] = response.status_code

    uploading = threading.Thread(target=upload)
    uploading.start()
    health = people.client.get("/healthz")
    uploading.join(timeout=120)
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    assert answers["upload"] == 200


def test_a_large_photo_is_stored_as_a_jpeg_of_review_size(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    assert people.prove(citizen, claim_id, data=_flat_png(6000, 4000)).status_code == 200
    stored = people.client.get(f"/api/v1/claims/{claim_id}/photo", headers=people.headers(citizen))
    assert stored.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(stored.content))
    assert (image.format, image.size) == ("JPEG", (2000, 1333))


def test_a_small_photo_keeps_its_size(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    assert people.prove(citizen, claim_id, data=_flat_png(640, 480)).status_code == 200
    stored = people.client.get(f"/api/v1/claims/{claim_id}/photo", headers=people.headers(citizen))
    assert Image.open(io.BytesIO(stored.content)).size == (640, 480)
