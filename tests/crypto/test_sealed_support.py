"""Shared helpers for the sealed-bid tests: a test CA, bidder and recipient keys, a fixed RNG.

(No tests here; other ``test_sealed_*`` modules and ``tests/unit/test_cli_sealing.py`` import it.)
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from crypto.ca import CertificateAuthority, PrivateKey, create_ca, make_csr, make_key
from crypto.sealed import SealResult, seal
from crypto.subject import PlatformSubject

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BASE = "https://ebid.example.cn"
BIDDER = PlatformSubject("福州示例建设有限公司", "91350100M000100Y43", "张三", "bidder")
CENTRE = PlatformSubject("福州公共资源交易中心", "12350100MB0000000U", "李四", "agent")
FORM = b'{"bidder":"\xe7\xa6\x8f\xe5\xb7\x9e\xe7\xa4\xba\xe4\xbe\x8b","price_fen":123456789,"period_days":180}'


@dataclass(frozen=True)
class Party:
    key: PrivateKey
    cert: x509.Certificate

    def key_pem(self, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@cache
def sealed_ca() -> CertificateAuthority:
    return create_ca("示例交易中心", "ec-p256", NOW, BASE)


@cache
def party(key_type: str, who: str = "bidder", n: int = 0) -> Party:
    """A key and a platform certificate (cached per key type, role and index)."""
    del n
    key = make_key(key_type)  # type: ignore[arg-type]
    subject = BIDDER if who == "bidder" else CENTRE
    csr = make_csr(key, subject).public_bytes(serialization.Encoding.PEM)
    return Party(key, sealed_ca().issue_from_csr(csr, "bidder" if who == "bidder" else "agent", NOW))


class CounterRandom:
    """Deterministic 'randomness' for reproducible packages: SHA-256(seed || counter) blocks."""

    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self.counter = 0

    def token_bytes(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:n]


def data_key_of(seed: bytes) -> bytes:
    """The data key :class:`CounterRandom` hands out first (the writer draws it first)."""
    return CounterRandom(seed).token_bytes(32)


def seal_bytes(
    body: bytes,
    *,
    signer: Party | None = None,
    recipients: list[Party] | None = None,
    segment_size: int = 1024,
    form: bytes = FORM,
    project_id: str = "FZ-2026-0001",
    lot_id: str = "01",
    rng: CounterRandom | None = None,
) -> tuple[bytes, SealResult]:
    signer = signer or party("ec-p256")
    recipients = recipients or [party("rsa2048", "centre"), party("ec-p256", "centre")]
    out = io.BytesIO()
    result = seal(
        form,
        io.BytesIO(body),
        out,
        project_id=project_id,
        lot_id=lot_id,
        recipients=[r.cert for r in recipients],
        signer_key=signer.key,  # type: ignore[arg-type]
        signer_cert=signer.cert,
        now=NOW,
        segment_size=segment_size,
        rng=rng,
    )
    return out.getvalue(), result
