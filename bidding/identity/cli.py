"""Identity commands.

Operator (on the server, against the database): ``bidding ca init|issue|revoke|crl``.
User (on their own machine, against the API): ``bidding keygen``, ``bidding enrol``, ``bidding login``.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import cast

import click
import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bidding.client.identity import Identity, IdentityError, load_pem_identity, load_pkcs12_identity, pkcs12_bytes
from bidding.client.session import ApiError, ChallengeMismatch, raise_for_error
from bidding.client.session import login as client_login
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.cli import fail, load_settings, run_guarded
from crypto.ca import KeyType, make_csr, make_key
from crypto.errors import CryptoError
from crypto.keyfiles import write_file, write_key
from crypto.subject import PlatformSubject

KEY_TYPES = ("ec-p256", "rsa2048", "rsa3072")
OPERATOR = Actor(id="operator:cli")


def _passphrase(env_var: str | None) -> bytes | None:
    if env_var is None:
        return None
    value = os.environ.get(env_var)
    if not value:
        fail(f"environment variable {env_var} is empty or not set")
    return value.encode()


# ----------------------------------------------------------------------------- operator: bidding ca


@click.group("ca")
def ca() -> None:
    """Operate the platform CA (runs on the server, against the database)."""


@ca.command("init")
def ca_init() -> None:
    """Create the CA, the TSA and the transparency log's key in BIDDING_CA_DIR if it has none
    (production's explicit first step)."""
    from bidding.core.clock import SystemClock
    from bidding.core.pki.keystore import PkiConfigurationError, load_platform_keys
    from bidding.transparency.keys import log_signer

    settings = load_settings().with_overrides(ca_create=True)
    try:
        keys = load_platform_keys(settings, SystemClock().now())
    except PkiConfigurationError as exc:
        fail(str(exc))
    click.echo(f"CA ready in {settings.effective_ca_dir}")
    click.echo(f"root:    {keys.ca.root_cert.subject.rfc4514_string()}")
    click.echo(f"issuing: {keys.ca.issuing_cert.subject.rfc4514_string()}")
    click.echo(f"tsa:     {keys.tsa_cert.subject.rfc4514_string()}")
    # The transparency log's key lives beside the CA and is made with it (docs/transparency-log.md).
    click.echo(f"log:     {log_signer(settings).vkey}")


@ca.command("issue")
@click.option("--csr", "csr_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--role", required=True, help="bidder, agent, tenderer, supervisor, expert, auditor or admin.")
@click.option("--days", default=365, show_default=True, help="Validity in days.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the certificate here (PEM).")
def ca_issue(csr_path: Path, role: str, days: int, out: Path | None) -> None:
    """Issue a certificate from a CSR for an approved organisation (named by the CSR's credit code)."""
    from sqlalchemy import select

    from bidding.core.errors import NotFound
    from bidding.core.platform import start_platform
    from bidding.identity.issuance import issue_certificate
    from bidding.identity.models import Organization
    from crypto.ca import load_csr
    from crypto.subject import parse_subject

    csr_pem = csr_path.read_bytes()
    try:
        code = parse_subject(load_csr(csr_pem).subject, role=role).credit_code
    except CryptoError as exc:
        fail(f"{csr_path}: {exc.message}")

    async def go() -> bytes:
        async with start_platform(load_settings()) as platform, platform.sessions() as session, session.begin():
            org = await session.scalar(select(Organization).where(Organization.credit_code == code))
            if org is None:
                raise NotFound(f"no organisation with credit code {code} is registered")
            cert = await issue_certificate(
                session, platform.keys, OPERATOR, org, csr_pem, role, now=platform.clock.now(), validity_days=days
            )
            return cert.der

    der = run_guarded(go())
    pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    if out:
        write_file(out, pem, 0o644)
        click.echo(f"certificate written to {out}", err=True)
    else:
        click.echo(pem.decode(), nl=False)


@ca.command("revoke")
@click.argument("serial")
@click.option("--reason", default="unspecified", show_default=True, help="RFC 5280 reason, e.g. key_compromise.")
def ca_revoke(serial: str, reason: str) -> None:
    """Revoke a certificate by serial (hex) or SHA-256 fingerprint; its sessions end at once."""
    from bidding.core.platform import start_platform
    from bidding.identity import service as identity

    async def go() -> tuple[str, int]:
        async with start_platform(load_settings()) as platform:
            # The same use case as POST /api/admin/certificates/{serial}/revoke.
            revoked = await identity.revoke(platform, Caller(OPERATOR.id), serial, reason)
            return revoked.certificate.serial, revoked.sessions_closed

    serial_hex, closed = run_guarded(go())
    click.echo(f"revoked {serial_hex} ({reason}); {closed} session(s) ended")


@ca.command("crl")
@click.option("--root", is_flag=True, help="The root CA's CRL instead of the issuing CA's.")
@click.option("--pem", is_flag=True, help="PEM instead of DER.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def ca_crl(root: bool, pem: bool, out: Path) -> None:
    """Write the current CRL (as served at /pki/crl/…)."""
    from bidding.core.platform import start_platform

    async def go() -> bytes:
        async with start_platform(load_settings()) as platform:
            return await platform.revocations.crl("root" if root else "issuing")

    der = run_guarded(go())
    data = x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.PEM) if pem else der
    write_file(out, data, 0o644)
    click.echo(f"CRL written to {out}")


# ----------------------------------------------------------------------------- user: keygen / enrol / login


@click.command("keygen")
@click.option("--org", "organisation", required=True, help="Registered organisation name (O).")
@click.option("--credit-code", required=True, help="Unified social credit code (18 characters).")
@click.option("--name", "common_name", required=True, help="Your name (CN).")
@click.option("--role", default="bidder", show_default=True)
@click.option("--key-type", type=click.Choice(KEY_TYPES), default="ec-p256", show_default=True)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--passphrase-env", help="Encrypt the key with the passphrase in this environment variable.")
def keygen(
    organisation: str,
    credit_code: str,
    common_name: str,
    role: str,
    key_type: str,
    out_dir: Path,
    passphrase_env: str | None,
) -> None:
    """Generate a private key and a CSR locally (key.pem, csr.pem); the key never leaves this machine."""
    passphrase = _passphrase(passphrase_env)
    try:
        subject = PlatformSubject(organisation, credit_code, common_name, role)
        key = make_key(cast(KeyType, key_type))
        csr = make_csr(key, subject)
    except CryptoError as exc:
        fail(exc.message)
    out_dir.mkdir(parents=True, exist_ok=True)
    if (out_dir / "key.pem").exists():
        fail(f"{out_dir / 'key.pem'} exists; refusing to overwrite a private key")
    write_key(out_dir / "key.pem", key, passphrase)
    write_file(out_dir / "csr.pem", csr.public_bytes(serialization.Encoding.PEM), 0o644)
    click.echo(f"key: {out_dir / 'key.pem'} (keep it secret)\ncsr: {out_dir / 'csr.pem'}")


@click.command("enrol")
@click.option("--url", required=True, help="Platform base URL, e.g. https://bidding.example.cn")
@click.option("--code", required=True, help="The one-time enrolment code from the platform.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, exists=True, path_type=Path), required=True)
@click.option("--passphrase-env", help="Passphrase of key.pem and of the PKCS#12 bundle written.")
def enrol(url: str, code: str, directory: Path, passphrase_env: str | None) -> None:
    """Send csr.pem with an enrolment code; write cert.pem, chain.pem and identity.p12 into the directory."""
    passphrase = _passphrase(passphrase_env)

    async def go() -> dict[str, str]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            response = await http.post(
                "/api/enrolment/certificates",
                json={"enrolment_code": code, "csr": (directory / "csr.pem").read_text()},
            )
            raise_for_error(response)
            body: dict[str, str] = response.json()
            return body

    try:
        body = asyncio.run(go())
    except (ApiError, httpx.HTTPError, OSError) as exc:
        fail(str(exc))
    cert_pem, chain_pem = body["certificate_pem"].encode(), body["chain_pem"].encode()
    write_file(directory / "cert.pem", cert_pem, 0o644)
    write_file(directory / "chain.pem", chain_pem, 0o644)
    try:
        identity = load_pem_identity(directory / "key.pem", directory / "cert.pem", passphrase)
    except IdentityError as exc:
        fail(str(exc))
    chain = tuple(x509.load_pem_x509_certificates(chain_pem))
    bundle = pkcs12_bytes(Identity(identity.key, identity.certificate, chain), passphrase, body["common_name"])
    write_file(directory / "identity.p12", bundle, 0o600)
    click.echo(f"certificate {body['serial']} ({body['role']}), valid until {body['not_after']}")
    click.echo(f"written: {directory / 'cert.pem'}, {directory / 'chain.pem'}, {directory / 'identity.p12'}")


def load_identity(p12: Path | None, key: Path | None, cert: Path | None, passphrase: bytes | None) -> Identity:
    """The identity given on the command line: ``--p12`` or ``--key`` with ``--cert``."""
    try:
        if p12 is not None:
            return load_pkcs12_identity(p12, passphrase)
        if key is None or cert is None:
            fail("give --p12, or --key and --cert")
        return load_pem_identity(key, cert, passphrase)
    except IdentityError as exc:
        fail(str(exc))


@click.command("login")
@click.option("--url", required=True, help="Platform base URL.")
@click.option("--p12", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--key", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--cert", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--passphrase-env", help="Passphrase of the key or bundle, from this environment variable.")
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path), help="Write the session (JSON, 0600) here.")
def login(
    url: str, p12: Path | None, key: Path | None, cert: Path | None, passphrase_env: str | None, save: Path | None
) -> None:
    """Log in with a certificate: sign the platform's challenge locally and print the session."""
    identity = load_identity(p12, key, cert, _passphrase(passphrase_env))

    async def go() -> dict[str, object]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            result = await client_login(http, identity)
            return {"url": url, "token": result.token, "expires_at": result.expires_at, "session": result.session}

    try:
        session = asyncio.run(go())
    except (ApiError, ChallengeMismatch, httpx.HTTPError) as exc:
        fail(str(exc))
    text = json.dumps(session, ensure_ascii=False, indent=2)
    if save:
        write_file(save, text.encode(), 0o600)
        info = cast(dict[str, str], session["session"])
        click.echo(f"logged in as {info['common_name']} ({info['role']}, {info['organization_name']}); saved to {save}")
    else:
        click.echo(text)


COMMANDS = (ca, keygen, enrol, login)
