"""Draws the app's install icons (web/icons/icon-192.png, icon-512.png): the coin of web/icon.svg - a
yellow disc with a green ring and a green H - on the app's green, with the margin a "maskable" icon
needs (Android crops it to a circle or a rounded square). Plain Python (zlib + struct), no libraries,
so it runs anywhere: `python tools/make_icons.py`. The PNGs are committed; run again after a change.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

GREEN = (11, 110, 79)
YELLOW = (242, 183, 5)
OUT = Path(__file__).resolve().parent.parent / "web" / "icons"


def pixel(x: float, y: float) -> tuple[int, int, int]:
    """The colour at (x, y) in a unit square (0..1), the coin centred with a 10 % safe margin."""
    dx, dy = x - 0.5, y - 0.5
    r = (dx * dx + dy * dy) ** 0.5
    if r > 0.36:
        return GREEN
    if r > 0.32:
        return GREEN  # the ring merges with the background on purpose: a clean disc when cropped
    # The H: two posts and a bar.
    in_left = 0.37 <= x <= 0.44 and 0.33 <= y <= 0.67
    in_right = 0.56 <= x <= 0.63 and 0.33 <= y <= 0.67
    in_bar = 0.44 <= x <= 0.56 and 0.47 <= y <= 0.53
    return GREEN if in_left or in_right or in_bar else YELLOW


def png(size: int) -> bytes:
    rows = bytearray()
    for j in range(size):
        rows.append(0)  # filter: none
        for i in range(size):
            rows.extend(pixel((i + 0.5) / size, (j + 0.5) / size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(png(size))


if __name__ == "__main__":
    main()
