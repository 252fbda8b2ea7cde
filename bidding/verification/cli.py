"""``bidding verify-pdf``: validate the signatures of a PDF offline and print the report.

Exit codes: 0 every signature and document time-stamp is TOTAL_PASSED; 1 at least one is
TOTAL_FAILED, or the file is not a readable PDF; 2 INDETERMINATE or no signatures at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bidding.core.cli import run
from crypto.pdf import PdfError, PdfReport, validate_pdf

EXIT_CODES = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 1, "INDETERMINATE": 2, "NO_SIGNATURES": 2}


def _load_certificates(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise click.BadParameter(f"{path}: not a PEM or DER certificate ({exc})", param_hint="--trust") from exc


def _load_der_objects(path: Path, label: str, option: str) -> list[bytes]:
    """A DER file, or PEM blocks with the given label (e.g. ``X509 CRL``)."""
    data = path.read_bytes()
    if b"-----BEGIN" not in data:
        return [data]
    if label == "X509 CRL":
        try:
            crls = [x509.load_pem_x509_crl(block) for block in _pem_blocks(data, label)]
        except ValueError as exc:
            raise click.BadParameter(f"{path}: not a PEM CRL ({exc})", param_hint=option) from exc
        return [c.public_bytes(serialization.Encoding.DER) for c in crls]
    raise click.BadParameter(f"{path}: expected DER", param_hint=option)


def _pem_blocks(data: bytes, label: str) -> list[bytes]:
    begin, end = f"-----BEGIN {label}-----".encode(), f"-----END {label}-----".encode()
    blocks, rest = [], data
    while begin in rest:
        start = rest.index(begin)
        stop = rest.index(end, start) + len(end)
        blocks.append(rest[start:stop])
        rest = rest[stop:]
    return blocks


def _human(report: PdfReport, lang: str) -> str:
    lines = [report.summary(lang), ""]
    zh = lang == "zh-CN"
    for item in report.signatures:
        indication = item.indication.value + (f"/{item.sub_indication}" if item.sub_indication else "")
        lines.append(f"[{item.field_name}] {indication}")
        if item.signer:
            lines.append(("  签名人: " if zh else "  signer: ") + item.signer.subject)
        if item.timestamp:
            tsa = item.timestamp.tsa.subject if item.timestamp.tsa else "?"
            label = "  时间戳: " if zh else "  time-stamp: "
            lines.append(f"{label}{item.timestamp.time.isoformat()} ({tsa})")
        lines.append(
            f"  coverage={item.coverage} modification={item.modification_level} "
            f"permitted={item.changes_permitted} revocation={item.revocation}"
        )
        if item.detail:
            lines.append(f"  detail: {item.detail}")
    lines.append(f"sha256: {report.sha256}")
    return "\n".join(lines)


@click.command("verify-pdf")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trusted root certificate(s), PEM or DER; repeatable. 受信任的根证书。",
)
@click.option(
    "--crl",
    "crl_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra CRL (DER or PEM).",
)
@click.option(
    "--ocsp",
    "ocsp_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra OCSP response (DER).",
)
@click.option("--allow-fetching", is_flag=True, help="Fetch CRLs/OCSP over the network when the PDF lacks them.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True, help="Summary language."
)
def verify_pdf(
    file: Path,
    trust: tuple[Path, ...],
    crl_files: tuple[Path, ...],
    ocsp_files: tuple[Path, ...],
    allow_fetching: bool,
    as_json: bool,
    lang: str,
) -> None:
    """验证 PDF 文件中的电子签名 / Validate the signatures in a PDF (ETSI TS 119 102-2 indications)."""
    roots = [cert for path in trust for cert in _load_certificates(path)]
    crls = [der for path in crl_files for der in _load_der_objects(path, "X509 CRL", "--crl")]
    ocsps = [der for path in ocsp_files for der in _load_der_objects(path, "OCSP RESPONSE", "--ocsp")]
    if not roots:
        click.echo("warning: no --trust root given; no signature can be trusted", err=True)
    try:
        with file.open("rb") as fh:
            report = run(validate_pdf(fh, trust_roots=roots, crls=crls, ocsps=ocsps, allow_fetching=allow_fetching))
    except PdfError as exc:
        if as_json:
            click.echo(json.dumps({"error": exc.code, "message": exc.message}, ensure_ascii=False))
        else:
            click.echo(f"error: {exc.code}: {exc.message}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_human(report, lang))
    sys.exit(EXIT_CODES[report.verdict])
