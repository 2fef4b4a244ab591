"""Decoding proof photos safely: the pixel count is read from the header before anything is decoded, and
decoding runs in separate worker processes, each with a memory ceiling, so a hostile image can neither
stall the API's event loop nor take the server's memory.

This module imports only Pillow and the standard library: the worker processes import it on start.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85


class ImageRefused(Exception):
    """The image cannot be taken: `too_large` when its pixels (or the memory to decode it) are over the
    limit, otherwise it is not a readable JPEG, PNG or WebP."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large

    def __reduce__(self) -> tuple[object, ...]:  # crosses the process boundary with its flag
        return (_refused, (self.reason, self.too_large))


def _refused(reason: str, too_large: bool) -> ImageRefused:
    return ImageRefused(reason, too_large=too_large)


@dataclass(frozen=True)
class Header:
    kind: str
    width: int
    height: int


def read_header(data: bytes, max_pixels: int) -> Header:
    """The format and size from the file's header alone (nothing is decoded). Raises ImageRefused."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format or "", image.size
    except Image.DecompressionBombError as exc:
        raise ImageRefused(str(exc), too_large=True) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageRefused("the file is not a readable JPEG, PNG or WebP image") from exc
    if kind not in FORMATS:
        raise ImageRefused(f"the photo must be JPEG, PNG or WebP, not {kind or 'unknown'}")
    if width * height > max_pixels:
        raise ImageRefused(
            f"the photo has {width}x{height} pixels; at most {max_pixels // 1_000_000} megapixels are taken",
            too_large=True,
        )
    return Header(kind, width, height)


def clean(data: bytes, max_pixels: int, long_side: int) -> bytes:
    """Decodes, turns upright, scales the long side down to `long_side` and re-encodes as a JPEG from the
    pixels alone (EXIF, GPS and any other metadata are gone). Runs in a worker process."""
    header = read_header(data, max_pixels)
    scale = min(1.0, long_side / max(header.width, header.height))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if header.kind == "JPEG" and scale < 1.0:  # let libjpeg decode at 1/2, 1/4 or 1/8 scale
                image.draft("RGB", (max(1, int(header.width * scale)), max(1, int(header.height * scale))))
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = _flatten(upright)
    except MemoryError as exc:
        raise ImageRefused("the photo needs more memory to decode than is allowed", too_large=True) from exc
    except Exception as exc:  # hostile bytes can trip any decoder error; each one means "unreadable"
        raise ImageRefused("the file is not a readable JPEG, PNG or WebP image") from exc
    rgb.thumbnail((long_side, long_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    bare = Image.frombytes("RGB", rgb.size, rgb.tobytes())  # a new image: pixels only, no info
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparent parts become white rather than black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the API process dies, even by kill -9 (an orphaned
    decoder would otherwise hold its memory until the machine restarts). The pool is started from the
    event loop's thread, which lives as long as the process."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _limit_worker(memory_bytes: int, max_pixels: int) -> None:
    """Runs first in each worker process: a ceiling on its address space, Pillow's own bomb limit, and a
    lower CPU priority (on a small machine the API's requests go first; decoding may wait)."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    _die_with_parent()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass


class PhotoWorkers:
    """A small pool of decoding processes ("spawn": never a fork of the threaded API process). A worker
    that dies (over its memory ceiling) is replaced; the upload that killed it is refused."""

    def __init__(self, *, workers: int, memory_mb: int, max_pixels: int) -> None:
        self.workers, self.memory_bytes, self.max_pixels = workers, memory_mb * 1024 * 1024, max_pixels
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_limit_worker,
                    initargs=(self.memory_bytes, self.max_pixels),
                )
            return self._pool

    async def clean(self, data: bytes, long_side: int) -> bytes:
        pool = self._executor()
        try:
            return await asyncio.get_running_loop().run_in_executor(
                pool, clean, data, self.max_pixels, long_side
            )
        except BrokenProcessPool as exc:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise ImageRefused("the photo could not be decoded within the memory allowed", too_large=True) from exc
        except MemoryError as exc:
            raise ImageRefused("the photo needs more memory to decode than is allowed", too_large=True) from exc

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_shared: dict[tuple[int, int, int], PhotoWorkers] = {}
_shared_lock = threading.Lock()


def workers_for(*, workers: int, memory_mb: int, max_pixels: int) -> PhotoWorkers:
    """One pool per process and configuration (the API's settings are fixed at start-up)."""
    key = (workers, memory_mb, max_pixels)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = PhotoWorkers(workers=workers, memory_mb=memory_mb, max_pixels=max_pixels)
        return _shared[key]
