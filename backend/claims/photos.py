"""Proof photos: decoded with Pillow (the bytes decide the type, never the name), re-encoded from the
pixels alone so EXIF, GPS and any other metadata are gone, and stored under a generated name."""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.errors import BadPhoto

FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding
MEDIA_TYPES = {ext: media for ext, media in FORMATS.values()}


def clean_photo(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """Returns (re-encoded bytes without metadata, file extension). Raises BadPhoto."""
    if not data:
        raise BadPhoto("the photo is empty")
    if len(data) > max_bytes:
        raise BadPhoto(f"the photo is larger than {max_bytes // (1024 * 1024)} MB", max_bytes=max_bytes)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if kind not in FORMATS:
                raise BadPhoto(f"the photo must be JPEG, PNG or WebP, not {kind or 'unknown'}")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise BadPhoto("the photo has too many pixels")
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the orientation the camera meant, then drop EXIF
    except BadPhoto:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BadPhoto("the file is not a readable JPEG, PNG or WebP image") from exc
    alpha = upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info)
    mode = "RGB" if kind == "JPEG" or not alpha else "RGBA"
    pixels = upright.convert(mode)
    bare = Image.frombytes(mode, pixels.size, pixels.tobytes())  # a new image: pixels only, no info
    out = io.BytesIO()
    options = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
    bare.save(out, format=kind, **options)
    return out.getvalue(), FORMATS[kind][0]


def store_photo(photo_dir: Path, data: bytes, ext: str) -> str:
    """Writes the photo under a random name; returns the name (never the upload's own name)."""
    photo_dir.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    tmp = photo_dir / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, photo_dir / name)
    return name


def photo_path(photo_dir: Path, name: str) -> Path:
    return photo_dir / Path(name).name
