"""A big phone photo over a slow line: it is made smaller in the browser (a JPEG, long side 2000 px)
and a progress bar shows how far the upload got."""

from __future__ import annotations

import os
from pathlib import Path

from eth_account import Account
from PIL import Image
from playwright.sync_api import expect

from tests.web.helpers import PageFactory, Server, by_id, restore_wallet, shot
from tests.web.setup_api import new_task, operator

SLOW_LINE = {"offline": False, "latency": 40, "downloadThroughput": 2_000_000, "uploadThroughput": 400_000}


def _camera_photo(path: Path) -> Path:
    """A 2400x1800 photo full of detail (noise), about 13 MB as PNG: more than the server takes."""
    Image.frombytes("RGB", (2400, 1800), os.urandom(2400 * 1800 * 3)).save(path, "PNG", compress_level=1)
    return path


def test_a_large_photo_is_shrunk_and_its_upload_shows_progress(
    server: Server, new_page: PageFactory, screenshots: Path, tmp_path: Path
) -> None:
    big = _camera_photo(tmp_path / "camera.png")
    assert big.stat().st_size > server.runtime.settings.max_photo_bytes
    task = new_task(operator(server), title="Photograph the new bench")
    page = new_page("en")
    restore_wallet(page, Account.create().key.hex())
    by_id(page, "restore-wallet").wait_for(state="detached")
    page.goto(f"/#/tasks/{task['id']}")
    by_id(page, "claim").click()

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_LINE)
    by_id(page, "proof-photo").set_input_files(str(big))
    by_id(page, "proof-submit").click()
    progress = by_id(page, "upload-progress")
    expect(progress).to_be_visible()
    expect(by_id(page, "upload-status")).to_contain_text("%")
    # What goes up (recorded on the progress bar): a JPEG, long side 2000 px, under the server's limit.
    assert progress.get_attribute("data-type") == "image/jpeg"
    assert max(int(progress.get_attribute("data-width") or 0), int(progress.get_attribute("data-height") or 0)) == 2000
    assert int(progress.get_attribute("data-bytes") or 0) < server.runtime.settings.max_photo_bytes
    shot(page, screenshots, "upload-progress")
    expect(by_id(page, "claim-card").first).to_have_attribute("data-status", "submitted", timeout=60_000)
