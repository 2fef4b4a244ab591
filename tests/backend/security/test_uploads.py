"""Uploads: the client's file name never reaches the disk, and oversized, empty, fake or hostile files are
a clear 422 `invalid_photo` (too many pixels: `photo_too_large`; never a 5xx), leaving the claim unproven."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from eth_account import Account
from PIL import Image

from backend.runtime import Runtime
from tests.support.people import People, png

TRAVERSALS = [
    "../../../../tmp/heitje-owned.png",
    "..\\..\\evil.png",
    "/etc/passwd",
    "proof.png\x00.sh",
    "%2e%2e%2f%2e%2e%2fevil.png",
    "a/" * 200 + "deep.png",
    ".hidden.png",
    "CON.png",
]


def _files(photo_dir: Path) -> list[Path]:
    return sorted(p for p in photo_dir.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", TRAVERSALS)
def test_the_uploaded_file_name_never_becomes_a_path(people: People, runtime: Runtime, name: str) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    before = set(_files(runtime.settings.photo_dir))
    response = people.prove(citizen, claim_id, name=name)
    assert response.status_code == 200
    added = set(_files(runtime.settings.photo_dir)) - before
    assert len(added) == 1
    stored = added.pop()
    assert stored.parent == runtime.settings.photo_dir
    assert stored.name.split(".")[0].isalnum() and "evil" not in stored.name and "passwd" not in stored.name
    assert not Path("/tmp/heitje-owned.png").exists()


def test_a_photo_over_the_size_limit_is_refused(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    big = png() + b"\0" * (runtime.settings.max_photo_bytes + 1 - len(png()))
    response = people.prove(citizen, claim_id, data=big)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_photo"


def _bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header for a huge image with a tiny (truncated) body: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    return out.getvalue()


MALFORMED = {
    "empty": b"",
    "text with a .png name": b"this is not an image at all",
    "truncated png": png()[:40],
    "html": b"<html><script>alert(1)</script></html>",
    "svg with script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "gif": _gif(),
    "png header then garbage": b"\x89PNG\r\n\x1a\n" + b"\xff" * 500,
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_photo_is_a_clear_422(people: People, kind: str) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    response = people.prove(citizen, claim_id, data=MALFORMED[kind])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_photo"
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(citizen)).json()
    assert claim["status"] == "claimed"


def test_a_decompression_bomb_is_refused_as_too_large(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    response = people.prove(citizen, claim_id, data=_bomb_png(100_000, 100_000))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "photo_too_large"
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(citizen)).json()
    assert claim["status"] == "claimed"


def test_a_proof_without_a_photo_field_is_a_clear_422(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    response = people.client.post(
        f"/api/v1/claims/{claim_id}/proof", headers=people.headers(citizen), data={"note": "no photo"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_a_proof_sent_as_json_instead_of_multipart_is_a_clear_422(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    response = people.client.post(
        f"/api/v1/claims/{claim_id}/proof", headers=people.headers(citizen), json={"photo": "aGVsbG8="}
    )
    assert response.status_code == 422


def test_a_broken_multipart_body_is_a_clear_4xx(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    headers = {**people.headers(citizen), "Content-Type": "multipart/form-data; boundary=xyz"}
    response = people.client.post(
        f"/api/v1/claims/{claim_id}/proof",
        headers=headers,
        content=b'--xyz\r\nContent-Disposition: form-data; name="photo"\r\n\r\nunterminated',
    )
    assert 400 <= response.status_code < 500


def test_an_overlong_note_is_refused(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    response = people.client.post(
        f"/api/v1/claims/{claim_id}/proof",
        headers=people.headers(citizen),
        files={"photo": ("p.png", png(), "image/png")},
        data={"note": "x" * 100_000},
    )
    assert response.status_code == 422


def test_the_stored_photo_has_no_metadata(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    exif = Image.Exif()
    exif[0x8825] = {2: (50.0, 53.0, 17.0)}  # GPSInfo: the citizen's home
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG", exif=exif.tobytes())
    assert (
        people.prove(
            citizen, claim_id, data=out.getvalue(), name="p.jpg", media_type="image/jpeg"
        ).status_code
        == 200
    )
    photo = people.client.get(f"/api/v1/claims/{claim_id}/photo", headers=people.headers(citizen)).content
    assert not Image.open(io.BytesIO(photo)).getexif()
