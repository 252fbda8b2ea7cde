"""`bidding seal`, `bidding unseal`, `bidding inspect`: sealed bid packages on the command line.

The body of a package is a POSIX tar (pax format) of the bid files, produced in streaming mode
(``tarfile.open(mode="w|")``) straight into the sealer, so no file is held in memory. Outputs are
written under a temporary name and renamed only once everything verified.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from crypto import sealed as sealed_lib
from crypto.errors import CryptoError
from crypto.sealed.header import DEFAULT_SEGMENT_SIZE

MESSAGES_ZH: dict[str, str] = {
    "not_a_package": "不是投标文件加密包",
    "unsupported_version": "加密包格式版本不受支持",
    "malformed_package": "加密包格式错误",
    "truncated": "加密包不完整（被截断）",
    "trailing_data": "加密包末尾有多余数据",
    "segment_authentication_failed": "加密数据校验失败（已被篡改或损坏）",
    "key_commitment_mismatch": "密钥与加密包不匹配",
    "header_mismatch": "加密包头与密文不匹配（包头被替换或篡改）",
    "not_a_recipient": "该证书不是此加密包的接收方",
    "unsupported_recipient": "接收方证书的密钥类型不受支持",
    "malformed_envelope": "数字信封格式错误",
    "signature_invalid": "投标人签名无效",
    "signer_mismatch": "签名证书与投标人证书不一致",
    "invalid_form": "开标一览表格式错误",
}


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


def _crypto_fail(exc: CryptoError) -> NoReturn:
    zh = MESSAGES_ZH.get(exc.code)
    _fail(f"{zh + '：' if zh else ''}{exc.message} ({exc.code})")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {what} {path}: {exc.strerror or exc}")


def _load_cert(path: Path) -> x509.Certificate:
    data = _read(path, "certificate")
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        _fail(f"{path} is not an X.509 certificate (PEM or DER)")


def _load_key(path: Path, password_env: str | None) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    data = _read(path, "private key")
    password: bytes | None = None
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            _fail(f"environment variable {password_env} (key password) is not set")
        password = value.encode("utf-8")
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=password)
        else:
            key = serialization.load_der_private_key(data, password=password)
    except TypeError:
        _fail(f"{path} is encrypted: give its password with --key-password-env VAR")
    except ValueError:
        _fail(f"cannot load the private key {path} (not a key, or wrong password)")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        _fail(f"{path}: only RSA and EC private keys are supported")
    return key


@contextmanager
def _atomic_file(target: Path) -> Iterator[BinaryIO]:
    """A temporary file beside ``target``, renamed onto it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit} ({size} B)"
        value /= 1024
    return f"{size} B"


@click.command("seal")
@click.option("--form", "form_path", type=click.Path(path_type=Path), required=True, help="Opening form (JSON).")
@click.option(
    "--recipient",
    "recipient_paths",
    type=click.Path(path_type=Path),
    multiple=True,
    required=True,
    help="Recipient certificate (PEM/DER); repeat for several.",
)
@click.option("--cert", "cert_path", type=click.Path(path_type=Path), required=True, help="Bidder's certificate.")
@click.option("--key", "key_path", type=click.Path(path_type=Path), required=True, help="Bidder's private key.")
@click.option("--key-password-env", default=None, metavar="VAR", help="Environment variable holding the key password.")
@click.option("--project", required=True, help="Project id.")
@click.option("--lot", required=True, help="Lot (标段) id.")
@click.option("--out", "out_path", type=click.Path(path_type=Path), required=True, help="Package file to write.")
@click.option("--segment-size", type=int, default=DEFAULT_SEGMENT_SIZE, show_default=True, hidden=True)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def seal(
    form_path: Path,
    recipient_paths: tuple[Path, ...],
    cert_path: Path,
    key_path: Path,
    key_password_env: str | None,
    project: str,
    lot: str,
    out_path: Path,
    segment_size: int,
    files: tuple[Path, ...],
) -> None:
    """Seal a bid: encrypt the opening form and FILES (as a tar) for the recipients, signed by the bidder."""
    from datetime import UTC, datetime

    form = _read(form_path, "opening form")
    try:
        sealed_lib.validate_form(form)
    except CryptoError as exc:
        _crypto_fail(exc)
    recipients = [_load_cert(p) for p in recipient_paths]
    cert = _load_cert(cert_path)
    key = _load_key(key_path, key_password_env)
    names: set[str] = set()
    for path in files:
        if not path.exists():
            _fail(f"no such file: {path}")
        name = path.resolve().name
        if name in names:
            _fail(f"two inputs are named {name!r}: the tar would hold both under one name")
        names.add(name)
    try:
        with _atomic_file(out_path) as out:
            writer = sealed_lib.PackageWriter(
                out,
                form=form,
                project_id=project,
                lot_id=lot,
                recipients=recipients,
                signer_key=key,
                signer_cert=cert,
                now=datetime.now(UTC),
                segment_size=segment_size,
            )
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                for path in files:
                    tar.add(path, arcname=path.resolve().name)
            result = writer.close()
    except CryptoError as exc:
        _crypto_fail(exc)
    except (OSError, ValueError, tarfile.TarError) as exc:
        _fail(str(exc))
    click.echo(f"sealed {out_path}")
    click.echo(f"  package size    {_human(result.package_size)}")
    click.echo(f"  file SHA-256    {result.file_sha256.hex()}")
    click.echo(f"  signed digest   {result.digest.hex()}")
    click.echo(f"  body (tar)      {_human(result.body_size)} in {result.body_segments} segments")
    click.echo(f"  recipients      {len(result.header.recipients)}")


@click.command("unseal")
@click.argument("package", type=click.Path(path_type=Path))
@click.option("--key", "key_path", type=click.Path(path_type=Path), required=True, help="Recipient's private key.")
@click.option("--cert", "cert_path", type=click.Path(path_type=Path), required=True, help="Recipient's certificate.")
@click.option("--key-password-env", default=None, metavar="VAR", help="Environment variable holding the key password.")
@click.option("--out-dir", type=click.Path(path_type=Path), required=True, help="Directory to create.")
@click.option("--no-extract", is_flag=True, help="Keep the body as body.tar instead of extracting it.")
def unseal(
    package: Path, key_path: Path, cert_path: Path, key_password_env: str | None, out_dir: Path, no_extract: bool
) -> None:
    """Open PACKAGE as a recipient: form.json, and the bid files (or body.tar), written only if all verifies."""
    cert = _load_cert(cert_path)
    key = _load_key(key_path, key_password_env)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        _fail(f"{out_dir} exists and is not an empty directory")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        with package.open("rb") as stream:
            header = sealed_lib.read_header(stream)
            data_key = sealed_lib.unwrap_data_key(sealed_lib.recipient_blob(header, cert), key, cert)
            stream.seek(0)
            with (staging / "body.tar").open("wb") as body:
                result = sealed_lib.open_body(stream, data_key, body)
        form = result.form
        (staging / "form.json").write_bytes(form.json_bytes)
        if not no_extract:
            with tarfile.open(staging / "body.tar", mode="r:") as tar:
                tar.extractall(staging / "files", filter="data")
            (staging / "body.tar").unlink()
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(staging, out_dir)
    except CryptoError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _crypto_fail(exc)
    except (OSError, tarfile.TarError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _fail(f"cannot unseal {package}: {exc}")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    signer = form.signer_cert.subject.rfc4514_string()
    click.echo(f"unsealed {package} into {out_dir}")
    click.echo(f"  project / lot   {header.project_id} / {header.lot_id}")
    click.echo(f"  price           {form.price_fen} fen")
    click.echo(f"  signed by       {signer}")
    click.echo(f"  body            {_human(result.body_size)}" + ("" if no_extract else " (extracted to files/)"))


def _info_json(info: sealed_lib.PackageInfo) -> dict[str, Any]:
    header = info.header
    return {
        "version": header.version,
        "suite": header.suite,
        "project_id": header.project_id,
        "lot_id": header.lot_id,
        "bidder_credit_code": header.bidder_credit_code,
        "bidder_cert_sha256": header.bidder_cert_sha256,
        "created_at": header.created_at.isoformat().replace("+00:00", "Z"),
        "segment_size": header.segment_size,
        "recipients": [
            {"cert_sha256": r.cert_sha256, "kind": e.kind, "issuer": e.issuer, "serial_number": str(e.serial_number)}
            for r, e in info.recipients
        ],
        "sizes": {
            "package": info.package_size,
            "header": header.block_size,
            "form_plaintext": info.form_plaintext_size,
            "body": info.body_size,
            "body_segments": info.body_segments,
        },
        "offsets": {"form": info.form_offset, "body": info.body_offset, "trailer": info.trailer_offset},
        "digest_sha256": info.digest.hex(),
        "file_sha256": info.file_sha256.hex(),
        "signature": {
            "status": "valid",
            "signer": info.signer_cert.subject.rfc4514_string(),
            "signer_cert_sha256": sealed_lib.cert_sha256(info.signer_cert),
            "signing_time": info.signing_time.isoformat().replace("+00:00", "Z") if info.signing_time else None,
        },
    }


@click.command("inspect")
@click.argument("package", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def inspect(package: Path, as_json: bool) -> None:
    """Check PACKAGE without any key: layout, header, recipients, sizes, digest and the bidder's signature."""
    try:
        with package.open("rb") as stream:
            info = sealed_lib.inspect(stream)
    except CryptoError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "code": exc.code, "message": exc.message}, ensure_ascii=False))
        _crypto_fail(exc)
    except OSError as exc:
        _fail(f"cannot read {package}: {exc.strerror or exc}")
    data = _info_json(info)
    if as_json:
        click.echo(json.dumps({"ok": True, **data}, ensure_ascii=False, indent=2))
        return
    click.echo(f"sealed bid package {package}: signature valid / 签名有效")
    click.echo(f"  format          BIDSEAL v{data['version']} ({data['suite']})")
    click.echo(f"  project / lot   {data['project_id']} / {data['lot_id']}")
    click.echo(f"  bidder          {data['bidder_credit_code']}  cert {data['bidder_cert_sha256']}")
    click.echo(f"  signed by       {data['signature']['signer']} at {data['signature']['signing_time']}")
    click.echo(f"  created at      {data['created_at']}")
    for i, r in enumerate(data["recipients"], 1):
        click.echo(f"  recipient {i}     {r['kind']}  cert {r['cert_sha256']}")
    click.echo(f"  package size    {_human(info.package_size)}")
    segments = f"{info.body_segments} segments of {_human(info.header.segment_size)}"
    click.echo(f"  body size       {_human(info.body_size)} in {segments}")
    click.echo(f"  signed digest   {data['digest_sha256']}")
    click.echo(f"  file SHA-256    {data['file_sha256']}")


COMMANDS: tuple[click.Command, ...] = (seal, unseal, inspect)
