"""Proof photos: the bytes decide the type (never the name); the header's pixel count is checked before
anything is decoded; decoding happens in worker processes with a memory ceiling (see imaging.py); what
is stored is a JPEG of review size, re-encoded from the pixels alone (EXIF, GPS and other metadata are
gone), under a generated name."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from backend.claims import imaging
from backend.errors import BadPhoto, PhotoTooLarge
from backend.settings import Settings

EXTENSION, MEDIA_TYPE = "jpg", "image/jpeg"
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}  # photos stored before issue 11


def check_photo(data: bytes, settings: Settings) -> None:
    """Cheap checks before any decoding: present, within the byte limit, a JPEG, PNG or WebP header,
    within the pixel limit. Raises BadPhoto or PhotoTooLarge."""
    if not data:
        raise BadPhoto("the photo is empty")
    if len(data) > settings.max_photo_bytes:
        raise BadPhoto(
            f"the photo is larger than {settings.max_photo_bytes // (1024 * 1024)} MB",
            max_bytes=settings.max_photo_bytes,
        )
    try:
        imaging.read_header(data, settings.max_photo_pixels)
    except imaging.ImageRefused as exc:
        raise _error(exc, settings) from exc


async def clean_photo(data: bytes, settings: Settings) -> bytes:
    """The photo (already through check_photo) as a review-size JPEG without metadata, decoded in a worker
    process that reads the header again first (the event loop and the database are free meanwhile).
    Raises BadPhoto or PhotoTooLarge."""
    workers = imaging.workers_for(
        workers=settings.photo_workers,
        memory_mb=settings.photo_worker_memory_mb,
        max_pixels=settings.max_photo_pixels,
    )
    try:
        return await workers.clean(data, settings.photo_long_side)
    except imaging.ImageRefused as exc:
        raise _error(exc, settings) from exc


def _error(exc: imaging.ImageRefused, settings: Settings) -> BadPhoto | PhotoTooLarge:
    if exc.too_large:
        return PhotoTooLarge(exc.reason, settings.max_photo_pixels)
    return BadPhoto(exc.reason)


def store_photo(photo_dir: Path, data: bytes, ext: str = EXTENSION) -> str:
    """Writes the photo under a random name; returns the name (never the upload's own name)."""
    photo_dir.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    tmp = photo_dir / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, photo_dir / name)
    return name


def remove_photo(photo_dir: Path, name: str) -> None:
    photo_path(photo_dir, name).unlink(missing_ok=True)


def photo_path(photo_dir: Path, name: str) -> Path:
    return photo_dir / Path(name).name
