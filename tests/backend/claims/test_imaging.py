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


def test_decoding_workers_die_with_the_api_process_even_on_kill_9(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "api.py"
    script.write_text(
        "import asyncio, io, multiprocessing, sys, time\n"
        "from PIL import Image\n"
        "from backend.claims.imaging import PhotoWorkers\n"
        "if __name__ == '__main__':\n"
        "    workers = PhotoWorkers(workers=2, memory_mb=1024, max_pixels=24_000_000)\n"
        "    buf = io.BytesIO(); Image.new('RGB', (8, 8)).save(buf, 'PNG')\n"
        "    asyncio.run(workers.clean(buf.getvalue(), 100))\n"
        "    print(' '.join(str(p.pid) for p in multiprocessing.active_children()), flush=True)\n"
        "    time.sleep(60)\n"
    )
    api = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    children = [int(pid) for pid in api.stdout.readline().split()]  # type: ignore[union-attr]
    assert children, "the pool started no decoding process"

    api.send_signal(signal.SIGKILL)
    api.wait()
    deadline = time.monotonic() + 10
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in children if _alive(pid)]
    assert alive == [], f"decoding workers outlived the API: {alive}"


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its reaper is gone for our purpose
        return stat.read().split()[2] != "Z"
