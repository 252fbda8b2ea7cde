"""Plain-language summaries of a :class:`~crypto.pdf.report.PdfReport` (Simplified Chinese first).

Times are shown in Asia/Shanghai (UTC+8), as the platform shows all times to users.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from crypto.pdf.report import PdfReport, SignatureReport

SHANGHAI: Final = timezone(timedelta(hours=8), "CST")

VERDICTS: Final[dict[str, tuple[str, str]]] = {
    "TOTAL_PASSED": ("文件中的全部签名均验证通过。", "All signatures in the document are valid."),
    "TOTAL_FAILED": ("验证失败：至少一个签名无效。", "Validation failed: at least one signature is invalid."),
    "INDETERMINATE": (
        "无法得出结论：至少一个签名的有效性无法确认。",
        "Inconclusive: the validity of at least one signature could not be confirmed.",
    ),
    "NO_SIGNATURES": ("该 PDF 文件不包含任何电子签名。", "The PDF contains no electronic signatures."),
}

INDICATIONS: Final[dict[str, tuple[str, str]]] = {
    "TOTAL_PASSED": ("有效", "valid"),
    "TOTAL_FAILED": ("无效", "INVALID"),
    "INDETERMINATE": ("无法确认", "indeterminate"),
}

SUB_INDICATIONS: Final[dict[str, tuple[str, str]]] = {
    "HASH_FAILURE": ("签名后文件内容被篡改", "the signed content was altered"),
    "SIG_CRYPTO_FAILURE": ("签名值校验失败", "the signature value does not verify"),
    "REVOKED": ("签名证书已被吊销", "the signer certificate has been revoked"),
    "REVOKED_NO_POE": (
        "签名证书已被吊销，且无法证明签名早于吊销",
        "the signer certificate is revoked and no proof the signature predates it",
    ),
    "REVOKED_CA_NO_POE": ("证书链中的 CA 证书已被吊销", "a CA certificate in the chain is revoked"),
    "NO_CERTIFICATE_CHAIN_FOUND": (
        "签名证书不是由受信任的机构签发",
        "the signer certificate does not chain to a trusted root",
    ),
    "NO_SIGNING_CERTIFICATE_FOUND": ("找不到签名证书", "the signer certificate was not found"),
    "OUT_OF_BOUNDS_NO_POE": (
        "签名证书已过期或尚未生效，且无可信时间证明",
        "the certificate is outside its validity period and there is no proof of time",
    ),
    "OUT_OF_BOUNDS_NOT_REVOKED": ("签名证书已过期（未被吊销）", "the certificate has expired (not revoked)"),
    "EXPIRED": ("签名证书已过期", "the certificate has expired"),
    "NOT_YET_VALID": ("签名证书尚未生效", "the certificate is not yet valid"),
    "TRY_LATER": ("暂时无法获得证书吊销信息，请稍后再试", "revocation information is not available yet; try later"),
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": ("吊销信息已过期", "the revocation information is out of date"),
    "FORMAT_FAILURE": ("签名格式不正确", "the signature is malformed"),
    "CHAIN_CONSTRAINTS_FAILURE": ("证书链不满足约束", "the certificate chain violates constraints"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": ("证书链验证失败", "the certificate chain could not be validated"),
    "SIG_CONSTRAINTS_FAILURE": (
        "签名不满足验证策略（例如证书用途不符）",
        "the signature does not meet the validation policy (e.g. key usage)",
    ),
    "CRYPTO_CONSTRAINTS_FAILURE": ("使用的算法不再被接受", "an algorithm used is no longer accepted"),
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": ("使用的算法不再被接受", "an algorithm used is no longer accepted"),
    "TIMESTAMP_ORDER_FAILURE": ("时间戳无效或顺序错误", "a time-stamp is invalid or out of order"),
    "NO_POE": ("缺少存在性证明（时间戳）", "no proof of existence (time-stamp)"),
    "POLICY_PROCESSING_ERROR": ("签名策略处理失败", "the signature policy could not be processed"),
    "SIGNED_DATA_NOT_FOUND": ("找不到被签名的数据", "the signed data was not found"),
    "GENERIC": ("原因未明", "unspecified reason"),
}

REASONS: Final[dict[str, tuple[str, str]]] = {
    "modified_after_signing": (
        "签名之后文件被修改，且该修改不被允许",
        "the document was changed after signing in a way that is not permitted",
    ),
    "coverage_incomplete": ("签名未覆盖完整文件版本", "the signature does not cover a complete revision of the file"),
    "timestamp_invalid": ("签名时间戳无效", "the signature time-stamp is invalid"),
}


def _local(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") + " (UTC+8)"


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]


def _why(item: SignatureReport, lang: str) -> list[str]:
    out = [_pick(REASONS[r], lang) for r in item.reasons if r in REASONS]
    if item.sub_indication and (item.sub_indication != "FORMAT_FAILURE" or not out):
        pair = SUB_INDICATIONS.get(item.sub_indication)
        out.append(_pick(pair, lang) if pair else item.sub_indication)
    return out


def _line(index: int, item: SignatureReport, lang: str) -> str:
    zh = lang == "zh-CN"
    who = item.signer.display_name if item.signer else ("未知签名人" if zh else "unknown signer")
    state = _pick(INDICATIONS[item.indication.value], lang)
    if item.kind == "document_timestamp":
        head = f"{index}. 文档时间戳（{who}）：{state}" if zh else f"{index}. Document time-stamp by {who}: {state}"
    else:
        head = f"{index}. 签名人 {who}：{state}" if zh else f"{index}. Signed by {who}: {state}"
    parts = [head]
    if item.signer and item.signer.credit_code:
        parts.append(f"统一社会信用代码 {item.signer.credit_code}" if zh else f"credit code {item.signer.credit_code}")
    if item.timestamp is not None:
        when = _local(item.timestamp.time)
        parts.append(f"可信时间 {when}" if zh else f"time-stamped {when}")
    elif item.signing_time is not None:
        when = _local(item.signing_time)
        parts.append(f"签名人声称时间 {when}（无时间戳）" if zh else f"claimed signing time {when} (no time-stamp)")
    why = _why(item, lang)
    if why:
        parts.append(("原因：" if zh else "reason: ") + ("；" if zh else "; ").join(why))
    return ("，" if zh else ", ").join(parts) + ("。" if zh else ".")


def summarise(report: PdfReport, lang: str) -> str:
    """Verdict sentence followed by one line per signature / document time-stamp."""
    lines = [_pick(VERDICTS[report.verdict], lang)]
    lines += [_line(i, item, lang) for i, item in enumerate(report.signatures, start=1)]
    return "\n".join(lines)
