"""Browser steps of the bidder workspace (frontend/src/views/workspace): log in with a demo PKCS#12,
open a lot, fill the opening form, pick files, seal and upload, save the sealed package; plus
helpers to get a demo identity's key out of its .p12 for the command line (`bidding seal/unseal`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from playwright.sync_api import FilePayload, Page, expect

UPLOAD_TIMEOUT_MS = 120_000


@dataclass(frozen=True)
class InMemoryFile:
    name: str
    data: bytes
    mime: str = "application/octet-stream"

    def payload(self) -> FilePayload:
        return {"name": self.name, "mimeType": self.mime, "buffer": self.data}


def tendering_lot(base_url: str, project_code: str, lot_code: str = "01") -> tuple[str, str]:
    """(project id, lot id) of a demo lot open for bids, from the public API."""
    r = httpx.get(f"{base_url}/api/public/projects", params={"phase": "tendering", "page_size": 100}, timeout=30)
    r.raise_for_status()
    project = next(p for p in r.json()["items"] if p["code"] == project_code)
    lot = next(lot for lot in project["lots"] if lot["code"] == lot_code)
    return project["id"], lot["id"]


def open_lot(page: Page, project_id: str, lot_id: str) -> None:
    page.goto(f"/workspace/lots/{lot_id}?project={project_id}")
    expect(page.get_by_test_id("ws-lot-title")).to_be_visible()


def fill_opening_form(page: Page, texts: dict[str, str]) -> None:
    """Type the opening form as a bidder would (money in 元)."""
    for key, text in texts.items():
        page.get_by_test_id(f"ws-field-{key}").fill(text)


def pick_files(page: Page, files: list[InMemoryFile]) -> None:
    page.get_by_test_id("ws-files").set_input_files([f.payload() for f in files])
    expect(page.get_by_test_id("ws-file")).to_have_count(len(files))


def submit_bid(page: Page) -> None:
    page.get_by_test_id("ws-submit").click()


def wait_for_receipt(page: Page) -> str:
    """Waits for the upload to finish; returns the receipt number shown."""
    expect(page.get_by_test_id("ws-receipt")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    return page.get_by_test_id("ws-receipt-number").inner_text().strip()


def download(page: Page, testid: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_test_id(testid).click()
    info.value.save_as(target)
    return target


@dataclass(frozen=True)
class PemIdentity:
    key: Path
    cert: Path


def pem_identity_from_p12(identity: dict[str, Any], folder: Path) -> PemIdentity:
    """The demo identity's key (unencrypted PKCS#8 PEM) and certificate, read from its .p12."""
    key, cert, _ = pkcs12.load_key_and_certificates(Path(identity["p12"]).read_bytes(), identity["passphrase"].encode())
    assert key is not None and cert is not None
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return PemIdentity(key_path, cert_path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
