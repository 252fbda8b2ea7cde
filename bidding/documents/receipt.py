"""Tender receipt (投标文件接收回执): the platform's immediate confirmation that a sealed bid arrived
before the deadline (《电子招标投标办法》第二十七条). The platform signs the PDF afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bidding.documents import layout
from bidding.documents.layout import PageSetup, heading, key_value_table, mono, paragraph, spacer, title

TITLE_ZH: Final = "投标文件接收回执"
TITLE_EN: Final = "Tender receipt"
_MIB: Final = 1 << 20

SEALED_NOTE_ZH: Final = (
    "本投标文件已由投标人在本地加密后递交。依照《电子招标投标办法》第二十七条，投标截止时间前，"
    "任何单位和个人（包括本平台及招标人、招标代理机构）均不能解密、提取该投标文件。"
    "投标人可在投标截止时间前补充、修改或者撤回投标文件；以最后一次递交的版本为准。"
)
SEALED_NOTE_EN: Final = (
    "This tender was encrypted by the bidder before it was submitted. Under Article 27 of the Measures for "
    "Electronic Tendering and Bidding, nobody — including this platform, the tenderer and the tender agent — "
    "can decrypt or extract it before the bid deadline. The bidder may amend or withdraw it before the "
    "deadline; the last version submitted counts."
)
VERIFY_NOTE: Final = (
    "核验：本回执由平台电子签名并加盖时间戳，可在平台“验证 PDF”页面或用任何支持 PAdES 的软件验证；"
    "密文 SHA-256 可与投标人本地保存的加密文件比对。 / Verification: this receipt carries the platform's "
    "electronic signature with a time-stamp (PAdES); check it on the platform's 'Verify PDF' page or in any "
    "PAdES-capable reader, and compare the ciphertext SHA-256 with the sealed file the bidder kept."
)


@dataclass(frozen=True)
class ReceiptData:
    """Everything a tender receipt shows. Times are timezone-aware (UTC); digests are lower-case hex."""

    receipt_number: str
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    bidder_name: str
    bidder_credit_code: str  # 统一社会信用代码, 18 characters
    version: int  # 第 N 次递交, from 1
    submitted_at: datetime  # when the last byte arrived
    ciphertext_sha256: str  # SHA-256 of the sealed file as stored
    size_bytes: int
    package_digest: str  # digest of the sealed package (docs/sealed-bid-format.md)
    timestamp_time: datetime  # genTime of the RFC 3161 token
    tsa_name: str  # the time-stamping authority that issued the token
    uploader_fingerprint: str  # SHA-256 fingerprint of the uploader's certificate
    issued_at: datetime  # when the receipt is generated (PDF creation date)
    platform_name: str = layout.DEFAULT_PLATFORM_NAME


def size_text(size: int) -> str:
    """``1234567`` → ``"1,234,567 字节 (1.18 MiB)"``; MiB rounded half-up with integer arithmetic."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"size must be a whole number of bytes ≥ 0, got {size!r}")
    hundredths = (size * 100 + _MIB // 2) // _MIB
    return f"{size:,} 字节 bytes ({hundredths // 100}.{hundredths % 100:02d} MiB)"


def _check(r: ReceiptData) -> None:
    if r.version < 1:
        raise ValueError(f"version must be ≥ 1, got {r.version}")
    for name in ("ciphertext_sha256", "package_digest", "uploader_fingerprint"):
        value = getattr(r, name)
        if not value or any(c not in "0123456789abcdefABCDEF:" for c in value):
            raise ValueError(f"{name} must be hex, got {value!r}")


def render_receipt(r: ReceiptData) -> bytes:
    """The unsigned receipt PDF; the same data always gives the same bytes."""
    _check(r)
    story = [
        *title(TITLE_ZH, TITLE_EN),
        key_value_table(
            [
                ("回执编号", "Receipt number", r.receipt_number),
                ("项目", "Project", f"{r.project_code}  {r.project_name}"),
                ("标段（包）", "Lot", f"{r.lot_code}  {r.lot_name}"),
                ("投标人", "Bidder", r.bidder_name),
                ("统一社会信用代码", "Unified social credit code", r.bidder_credit_code),
                ("递交次数", "Submission", f"第 {r.version} 次递交 / version {r.version}"),
                ("递交完成时间", "Submitted at", layout.shanghai(r.submitted_at)),
            ]
        ),
        heading("加密投标文件", "Sealed tender"),
        key_value_table(
            [
                ("密文 SHA-256", "Ciphertext SHA-256", mono(r.ciphertext_sha256.lower())),
                ("文件大小", "Size", size_text(r.size_bytes)),
                ("封装摘要", "Package digest", mono(r.package_digest.lower())),
                ("上传证书指纹", "Uploader certificate (SHA-256)", mono(r.uploader_fingerprint)),
            ]
        ),
        heading("可信时间戳", "Trusted time-stamp (RFC 3161)"),
        key_value_table(
            [
                ("时间戳时间", "Time-stamp time", layout.shanghai(r.timestamp_time)),
                ("时间戳机构", "Time-stamping authority", r.tsa_name),
            ]
        ),
        heading("说明", "Notes"),
        paragraph(SEALED_NOTE_ZH),
        spacer(1.5),
        paragraph(SEALED_NOTE_EN),
        spacer(3),
        paragraph(VERIFY_NOTE, layout.SMALL),
    ]
    setup = PageSetup(TITLE_ZH, TITLE_EN, r.receipt_number, r.issued_at, r.platform_name)
    return layout.build_pdf(setup, story)
