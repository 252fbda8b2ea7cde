"""Certificates and keys for the demo users, so a newcomer can log in as anyone in the demo.

Demo only: real users generate their keys themselves (`bidding keygen` or the browser) and the
server never sees them. Here the keys are written under ``<data_dir>/demo/identities/<user>/``
(key.pem, cert.pem, chain.pem and identity.p12 with passphrase ``demo``), with an index in
``identities.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.client.identity import Identity, load_pkcs12_identity, pkcs12_bytes
from bidding.core.actor import Actor
from bidding.core.pki.keystore import PlatformKeys
from bidding.core.pki.models import Certificate
from bidding.core.roles import Role
from bidding.identity.issuance import issue_certificate
from bidding.identity.organisations import find_by_credit_code
from crypto.ca import make_csr, make_key
from crypto.keyfiles import cert_pem, write_file, write_key
from crypto.subject import PlatformSubject

DEMO_PASSPHRASE: Final = b"demo"


@dataclass(frozen=True)
class DemoUser:
    slug: str
    credit_code: str
    role: Role
    name: str


def demo_users(codes: dict[str, str]) -> list[DemoUser]:
    """``codes`` maps an organisation label (centre, agent, tenderer, supervisor, bidder1…5) to its credit code."""
    users = [
        DemoUser("admin", codes["centre"], Role.ADMIN, "平台管理员"),
        DemoUser("auditor", codes["centre"], Role.AUDITOR, "审计员"),
        DemoUser("finance", codes["centre"], Role.FINANCE, "财务人员"),
        DemoUser("agent", codes["agent"], Role.AGENT, "开标主持人"),
        DemoUser("tenderer", codes["tenderer"], Role.TENDERER, "招标人代表"),
        DemoUser("supervisor", codes["supervisor"], Role.SUPERVISOR, "监督员"),
    ]
    names = ["张伟", "王芳", "李娜", "刘洋", "陈静"]
    users += [DemoUser(f"bidder{i}", codes[f"bidder{i}"], Role.BIDDER, names[i - 1]) for i in range(1, 6)]
    return users


async def issue_demo_identities(
    session: AsyncSession, keys: PlatformKeys, directory: Path, codes: dict[str, str], *, now: datetime
) -> list[dict[str, str]]:
    """Issue one certificate per demo user (through the normal issuance path) and write the files."""
    actor = Actor.system("demo")
    index = []
    chain = tuple(keys.ca.chain)
    for user in demo_users(codes):
        org = await find_by_credit_code(session, user.credit_code)
        assert org is not None, user.credit_code
        key = make_key("ec-p256")
        csr = make_csr(key, PlatformSubject(org.name, org.credit_code, user.name, user.role.value))
        row = await issue_certificate(
            session, keys, actor, org, csr.public_bytes(serialization.Encoding.PEM), user.role.value, now=now
        )
        folder = directory / user.slug
        folder.mkdir(parents=True, exist_ok=True)
        certificate = x509.load_der_x509_certificate(row.der)
        write_key(folder / "key.pem", key, DEMO_PASSPHRASE)
        write_file(folder / "cert.pem", cert_pem(certificate), 0o644)
        write_file(folder / "chain.pem", b"".join(cert_pem(c) for c in chain), 0o644)
        bundle = pkcs12_bytes(Identity(key, certificate, chain), DEMO_PASSPHRASE, f"{org.name} {user.name}")
        write_file(folder / "identity.p12", bundle, 0o600)
        index.append(
            {
                "user": user.slug,
                "name": user.name,
                "role": user.role.value,
                "organisation": org.name,
                "credit_code": org.credit_code,
                "fingerprint": row.fingerprint,
                "p12": str(folder / "identity.p12"),
                "passphrase": DEMO_PASSPHRASE.decode(),
            }
        )
    write_file(directory / "identities.json", json.dumps(index, ensure_ascii=False, indent=2).encode(), 0o644)
    return index


@dataclass(frozen=True)
class Cast:
    """The simulated participants' identities: the host (an agent), a supervisor, the bidders."""

    host: Identity
    supervisor: Identity
    bidders: tuple[Identity, ...]


async def ensure_identities(
    session: AsyncSession, keys: PlatformKeys, directory: Path, codes: dict[str, str], *, now: datetime
) -> int:
    """Issue the demo users' certificates into ``directory`` unless the ones written there are the
    platform's (all in its certificate table) and name every demo user (a newer demo may add one);
    returns how many were issued (0 or all)."""
    index = directory / "identities.json"
    if index.exists():
        written = json.loads(index.read_text())
        fingerprints = {u["fingerprint"] for u in written}
        known = await session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.fingerprint.in_(fingerprints))
        )
        everyone = {u.slug for u in demo_users(codes)} <= {u["user"] for u in written}
        if fingerprints and known == len(fingerprints) and everyone:
            return 0
    return len(await issue_demo_identities(session, keys, directory, codes, now=now))


def load_cast(directory: Path, passphrase: bytes = DEMO_PASSPHRASE) -> Cast:
    """The demo users' identities, from the ``identities.json`` index written by the demo."""
    index = {u["user"]: Path(u["p12"]) for u in json.loads((directory / "identities.json").read_text())}

    def one(user: str) -> Identity:
        return load_pkcs12_identity(index[user], passphrase)

    return Cast(one("agent"), one("supervisor"), tuple(one(f"bidder{i}") for i in range(1, 6)))
