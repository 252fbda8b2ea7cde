"""Sealing and opening a bid in a real browser (Debian's Chromium), against raw WebCrypto work.

The web app's own sealed-bid module (the `sealed-*.js` chunk of the built app, the code bidders
run) seals an N MiB body in the page and opens it again. The baseline, measured in the same page
on the same bytes, is the raw work per byte that sealing cannot avoid: AES-256-GCM encryption of
1 MiB segments and a SHA-256 of each (both native WebCrypto). Sealing also hashes the whole
package incrementally in JavaScript (WebCrypto has no streaming digest), signs, wraps and tars.

    .venv/bin/python bench/browser_seal_bench.py --size-mib 128

The body is a file on disk picked through a file input, as a bidder's is. The app is built first
if `frontend/dist` is missing (`--dist` to use another build). Peak JS heap during sealing is read
from `performance.memory` (Chromium with --enable-precise-memory-info): it shows that memory stays
bounded while the body streams through.
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
#: Inspecting and opening read a package kept in the page's in-memory blob storage, which headless
#: Chromium caps at a few hundred MiB: they run on the first OPEN_MIB MiB of the body.
OPEN_MIB = 128
VECTORS = ROOT / "tests" / "vectors" / "sealed"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-precise-memory-info",
]

# Runs in the page. Keys: the committed test-vector keys (an RSA signer, an EC P-256 recipient),
# imported non-extractable as the app does. Returns seconds and bytes for each run.
_SCRIPT = """
async ({ chunk, openMib, signerKey, signerCert, recipientKey, recipientCert }) => {
  const sealed = await import(chunk)
  const der = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
  const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  const cms = await crypto.subtle.importKey('pkcs8', der(signerKey), rsa, false, ['sign'])
  const p256 = { name: 'ECDH', namedCurve: 'P-256' }
  const ecdh = await crypto.subtle.importKey('pkcs8', der(recipientKey), p256, false, ['deriveBits'])
  const MIB = 1024 * 1024
  const body = document.getElementById('body').files[0]  // a file on disk, as a bidder picks it
  const input = (data) => ({ form: { price_fen: 123456789 }, files: [{ name: '技术标.bin', data }],
                             projectId: 'BENCH', lotId: '01', recipients: [recipientCert], signerCert, signerKey: cms })

  // Baseline: AES-256-GCM over 1 MiB segments plus a SHA-256 of each, native WebCrypto.
  const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt'])
  const iv = new Uint8Array(12)
  let t = performance.now()
  for (let off = 0; off < body.size; off += MIB) {
    const plain = new Uint8Array(await body.slice(off, off + MIB).arrayBuffer())
    iv[0] = (off / MIB) & 0xff
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, plain)
    await crypto.subtle.digest('SHA-256', ct)
  }
  const baseline = (performance.now() - t) / 1000

  // Sealing the whole file; the sink only counts, so the heap figure is the sealer's own memory.
  const heap = () => performance.memory.usedJSHeapSize
  const heap0 = heap()
  let peak = heap0
  let written = 0
  const sampler = setInterval(() => { peak = Math.max(peak, heap()) }, 50)
  t = performance.now()
  await sealed.seal(input(body), async (bytes) => { written += bytes.length; peak = Math.max(peak, heap()) })
  const sealS = (performance.now() - t) / 1000
  clearInterval(sampler)

  // Inspecting and opening need the package: a smaller one is kept in the page's blob storage.
  const parts = []
  const small = await sealed.seal(input(body.slice(0, openMib * MIB)), async (b) => { parts.push(new Blob([b])) })
  const pkg = new Blob(parts)
  t = performance.now()
  await sealed.inspectPackage(pkg)
  const inspectS = (performance.now() - t) / 1000
  t = performance.now()
  const key = await sealed.unwrapDataKey(await sealed.recipientBlob(small.header, recipientCert), ecdh)
  const opened = await sealed.openPackage(pkg, key)
  const openS = (performance.now() - t) / 1000
  return { baseline, sealS, inspectS, openS, size: written, openedSize: opened.files[0].size,
           heapPeakMib: (peak - heap0) / MIB, userAgent: navigator.userAgent }
}
"""


def _der_b64(path: Path, private: bool) -> str:
    data = path.read_bytes()
    if private:
        key = serialization.load_pem_private_key(data, password=None)
        der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return base64.b64encode(der).decode()
    return data.decode()


def _dist(path: Path | None) -> Path:
    if path is not None:
        return path
    dist = ROOT / "frontend" / "dist"
    if not (dist / "index.html").exists():
        subprocess.run(["npm", "run", "build"], cwd=ROOT / "frontend", check=True)
    return dist


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(dist: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(dist))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=128)
    parser.add_argument("--dist", type=Path, default=None, help="a built web app (default frontend/dist)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    if not 1 <= args.size_mib <= 2048:
        parser.error("--size-mib must be 1..2048")

    dist = _dist(args.dist)
    chunks = sorted((dist / "assets").glob("sealed-*.js"))
    if len(chunks) != 1:
        print(f"expected one sealed-*.js chunk in {dist}/assets, found {len(chunks)}", file=sys.stderr)
        return 1
    open_mib = min(args.size_mib, OPEN_MIB)
    server, base = _serve(dist)
    scratch = tempfile.TemporaryDirectory()
    body_file = Path(scratch.name) / "body.bin"
    block = os.urandom(1024 * 1024)
    with body_file.open("wb") as f:
        for _ in range(args.size_mib):
            f.write(block)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(base + "/index.html")  # a secure context (127.0.0.1) with the app's origin
            page.evaluate(
                "() => { const i = document.createElement('input'); i.type = 'file'; i.id = 'body';"
                " document.body.append(i) }"
            )
            page.set_input_files("#body", str(body_file))
            r: dict[str, Any] = page.evaluate(
                _SCRIPT,
                {
                    "chunk": f"/assets/{chunks[0].name}",
                    "openMib": open_mib,
                    "signerKey": _der_b64(VECTORS / "signer-key.pem", True),
                    "signerCert": _der_b64(VECTORS / "signer-cert.pem", False),
                    "recipientKey": _der_b64(VECTORS / "recipient-ec-key.pem", True),
                    "recipientCert": _der_b64(VECTORS / "recipient-ec-cert.pem", False),
                },
            )
            browser.close()
    finally:
        server.shutdown()
        scratch.cleanup()

    n = args.size_mib
    assert r["openedSize"] == open_mib * 1024 * 1024, r
    base_rate = n / r["baseline"]
    version = r["userAgent"].split("Chrome/")[-1].split(" ")[0]
    print(f"body {n} MiB from a file on disk, Chromium {version}, 1 MiB segments")
    print(f"{'run':<40}{'MiB':>6}{'seconds':>9}{'MiB/s':>8}{'vs baseline':>13}")
    rows = (
        ("baseline (AES-GCM + SHA-256, native)", n, "baseline"),
        ("seal (sealed.seal)", n, "sealS"),
        ("inspect, no key", open_mib, "inspectS"),
        ("unwrap + open", open_mib, "openS"),
    )
    for label, mib, key in rows:
        rate = mib / r[key]
        print(f"{label:<40}{mib:>6}{r[key]:>9.2f}{rate:>8.0f}{rate / base_rate:>13.2f}")
    print(f"package {r['size'] / 1024 / 1024:.1f} MiB; peak JS heap growth while sealing: {r['heapPeakMib']:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
