"""Photo proof: decoded (not trusted by name), metadata stripped, size-limited, visible only to its
citizen and operators."""

from __future__ import annotations

import io

import pytest
from eth_account import Account
from PIL import Image

from tests.backend.claims.helpers import Loop, photo_bytes


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (50.0, 53.0, 17.0)}  # GPSInfo
    return exif.tobytes()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_proof_is_accepted(loop: Loop, fmt: str) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    response = loop.prove(citizen, claim_id, photo=photo_bytes(fmt), note="Painted both sides.")
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert response.json()["note"] == "Painted both sides."


def test_exif_and_gps_are_stripped_before_storing(loop: Loop) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    original = photo_bytes("JPEG", exif=_exif_with_gps())
    assert Image.open(io.BytesIO(original)).getexif()  # the upload carries EXIF with GPS
    assert loop.prove(citizen, claim_id, photo=original).status_code == 200
    stored = loop.client.get(f"/api/v1/claims/{claim_id}/photo", headers=loop.headers(citizen))
    assert stored.status_code == 200
    assert stored.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(stored.content))
    assert not image.getexif()
    assert b"PhoneMaker" not in stored.content
    assert image.size == (64, 48)


def test_stored_photo_has_a_generated_name(loop: Loop, runtime) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    loop.client.post(
        f"/api/v1/claims/{claim_id}/proof",
        headers=loop.headers(citizen),
        files={"photo": ("../../evil.jpg", photo_bytes(), "image/jpeg")},
    )
    names = [p.name for p in runtime.settings.photo_dir.iterdir()]
    assert "evil.jpg" not in names
    assert all(len(n.split(".")[0]) == 32 for n in names)


def test_a_text_file_named_jpg_is_refused(loop: Loop) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    response = loop.prove(citizen, claim_id, photo=b"this is not an image at all")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_photo"


def test_a_gif_is_refused(loop: Loop) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    assert loop.prove(citizen, claim_id, photo=photo_bytes("GIF")).json()["error"]["code"] == "invalid_photo"


def test_a_photo_over_the_size_limit_is_refused(loop: Loop, runtime) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    big = photo_bytes("PNG") + b"\0" * (runtime.settings.max_photo_bytes + 1)
    response = loop.prove(citizen, claim_id, photo=big)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_photo"


def test_a_note_over_2000_characters_is_refused(loop: Loop) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    assert loop.prove(citizen, claim_id, note="n" * 2001).status_code == 422


def test_another_citizen_cannot_see_the_photo_but_an_operator_can(loop: Loop) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    loop.prove(citizen, claim_id)
    assert (
        loop.client.get(
            f"/api/v1/claims/{claim_id}/photo", headers=loop.headers(Account.create())
        ).status_code
        == 404
    )
    assert loop.client.get(f"/api/v1/claims/{claim_id}/photo", headers=loop.operator).status_code == 200
    assert loop.client.get(f"/api/v1/claims/{claim_id}/photo").status_code == 401
