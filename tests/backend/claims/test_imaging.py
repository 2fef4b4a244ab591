"""Decoding in worker processes: the header decides before any decoding, and a worker's memory ceiling
turns an image too costly to decode into a refusal instead of a server out of memory."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

from backend.claims.imaging import ImageRefused, PhotoWorkers, read_header


def _png(mode: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (1, 2, 3, 4)[: len(mode)]).save(out, format="PNG")
    return out.getvalue()


def test_the_header_alone_refuses_too_many_pixels() -> None:
    with pytest.raises(ImageRefused) as refused:
        read_header(_png("L", (7000, 7000)), 24_000_000)
    assert refused.value.too_large
    assert "7000x7000" in refused.value.reason


def test_a_photo_over_the_workers_memory_ceiling_is_refused_as_too_large() -> None:
    workers = PhotoWorkers(workers=1, memory_mb=300, max_pixels=24_000_000)
    try:
        with pytest.raises(ImageRefused) as refused:
            asyncio.run(workers.clean(_png("RGBA", (6000, 4000)), 2000))
        assert refused.value.too_large
        small = asyncio.run(workers.clean(_png("RGB", (300, 200)), 2000))  # the pool still works after it
        assert Image.open(io.BytesIO(small)).size == (300, 200)
    finally:
        workers.close()


def test_transparency_becomes_white_in_the_stored_jpeg() -> None:
    workers = PhotoWorkers(workers=1, memory_mb=1024, max_pixels=24_000_000)
    try:
        out = io.BytesIO()
        Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(out, format="PNG")
        cleaned = Image.open(io.BytesIO(asyncio.run(workers.clean(out.getvalue(), 2000))))
    finally:
        workers.close()
    assert cleaned.format == "JPEG"
    assert min(cleaned.convert("RGB").getpixel((20, 20))) > 240
