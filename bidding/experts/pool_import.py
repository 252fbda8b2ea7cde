"""Import experts from a spreadsheet (CSV or XLSX) into the pool: one row per expert, the whole file
or nothing (``docs/experts.md`` "Import").

* **Columns** are named in the first row, in Chinese or English (:data:`COLUMNS`); an unknown or
  repeated column refuses the file, a missing required one too. Specialties are sub-specialty codes
  separated by ``;`` (``；`` and ``,`` too), the primary one first.
* **All or nothing**: every row is checked (规定 11 and the formats of ``pool_rules``), then written
  in one transaction; any refusal — a bad particular, a registry number or identity card number
  repeated in the file or held by another expert, a retired expert — rolls everything back and the
  answer lists each refused row with its spreadsheet row number, field and reason in Chinese and
  English (400 ``pool_import_refused``).
* **Idempotent** by the registry number (专家编号): a row whose number is in the pool updates that
  expert, one that is not registers a new one, and a row equal to what is on file changes nothing.
  Importing the same file twice leaves the pool as after the first import. Statuses, conflicts and
  unavailable days are not in the file: the administrator sets them one expert at a time.

CSV is read as UTF-8 (with or without BOM), else GB 18030 (what Excel on a Chinese Windows saves).
XLSX is read with openpyxl in read-only mode from its first sheet, after checking the archive's
unpacked size, so a zip bomb is refused before it is unpacked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import DomainError, Forbidden, InvalidInput
from bidding.experts.models import Expert
from bidding.experts.pool import WRITERS, id_number_key, write_expert
from bidding.experts.pool_rules import ExpertFields, PoolRuleErrors, validate_expert

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from bidding.core.platform import Platform

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "XLSX_TYPE",
    "ImportResult",
    "PoolImportRefused",
    "RowError",
    "import_file",
    "import_pool",
    "read_rows",
]

#: The largest file taken (5 MiB is some 20,000 rows of CSV), and rows per file.
MAX_BYTES: Final = 5 * 1024 * 1024
MAX_ROWS: Final = 10_000
#: What an XLSX archive may unpack to: refuses a zip bomb before openpyxl reads it.
MAX_UNPACKED: Final = 64 * 1024 * 1024
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["csv", "xlsx"]

#: Column names as people write them → the field. Each field's first name is the one the docs show.
COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "registry_no": ("专家编号", "registry_no"),
    "name": ("姓名", "name"),
    "id_number": ("身份证号码", "身份证号", "id_number"),
    "mobile": ("手机号码", "手机", "mobile"),
    "email": ("电子邮箱", "邮箱", "email"),
    "employer_credit_code": ("工作单位统一社会信用代码", "单位信用代码", "employer_credit_code"),
    "employer_name": ("工作单位", "employer_name"),
    "title": ("职称级别", "title"),
    "title_name": ("职称名称", "职称", "title_name"),
    "years_experience": ("从业年限", "years_experience"),
    "region_code": ("地区代码", "行政区划代码", "region_code"),
    "specialties": ("评标专业", "专业代码", "specialties"),
}
REQUIRED: Final = frozenset(
    {
        "registry_no",
        "name",
        "mobile",
        "employer_credit_code",
        "employer_name",
        "title",
        "years_experience",
        "region_code",
        "specialties",
    }
)
_BY_HEADER: Final = {alias.strip().lower(): field for field, names in COLUMNS.items() for alias in names}
_SEPARATORS: Final = (";", "；", ",", "，", "、")


@dataclass(frozen=True)
class RowError:
    """One refusal: the spreadsheet row (1 is the header), the field, why."""

    row: int
    field: str
    message_zh: str
    message_en: str
    registry_no: str | None = None

    def detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "row": self.row,
            "field": self.field,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }
        if self.registry_no:
            out["registry_no"] = self.registry_no
        return out


class PoolImportRefused(InvalidInput):
    """The file is refused and nothing of it was written; ``details`` lists every refused row."""

    code = "pool_import_refused"
    message_zh = "专家导入文件有误，未导入任何数据"
    message_en = "The expert file is refused; nothing was imported"

    #: Rows listed in the answer at most (the count says how many there were).
    SHOWN: ClassVar[int] = 500

    def __init__(self, errors: Sequence[RowError]) -> None:
        rows = sorted({e.row for e in errors})
        listed = "; ".join(f"row {e.row} {e.field}: {e.message_en}" for e in errors[:5])
        listed_zh = "；".join(f"第 {e.row} 行 {e.field}：{e.message_zh}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        more_zh = f"（另有 {len(errors) - 5} 处）" if len(errors) > 5 else ""
        super().__init__(
            f"{len(rows)} row(s) refused: {listed}{more}",
            f"{len(rows)} 行有误：{listed_zh}{more_zh}",
            details=[e.detail() for e in errors[: self.SHOWN]],
        )
        self.errors = list(errors)


@dataclass(frozen=True)
class ImportedRow:
    row: int
    registry_no: str
    #: ``registered``, ``updated`` or ``unchanged``.
    outcome: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: counts, and per row the expert and what happened to it."""

    file_sha256: str
    format: str
    rows: int
    registered: int
    updated: int
    unchanged: int
    experts: list[ImportedRow]


# ----------------------------------------------------------------------------- reading the file


def sniff(data: bytes, name: str | None = None) -> Format:
    """XLSX when the bytes are a zip archive (``PK\\x03\\x04``) or the name ends ``.xlsx``; CSV otherwise."""
    if data[:4] == b"PK\x03\x04" or (name or "").lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def _file_error(message_en: str, message_zh: str, field: str = "file") -> PoolImportRefused:
    return PoolImportRefused([RowError(0, field, message_zh, message_en)])


def _text(value: object, field: str, row: int) -> str:
    """A cell as text. Numbers a spreadsheet made of digits are taken back as integers (a mobile number
    typed into Excel), but never an identity card number: 18 digits do not survive as a float."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if field == "id_number" or not value.is_integer():
            raise PoolImportRefused(
                [
                    RowError(
                        row,
                        field,
                        "该单元格为数值，请将此列设置为文本格式后重新填写",
                        "the cell holds a number; format the column as text and type it again",
                    )
                ]
            )
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _columns(header: Sequence[object]) -> list[str | None]:
    """The field of each column of the header row (None: an empty column, ignored)."""
    errors: list[RowError] = []
    fields: list[str | None] = []
    for position, cell in enumerate(header, start=1):
        name = _text(cell, "header", 1)
        if not name:
            fields.append(None)
            continue
        found = _BY_HEADER.get(name.lower())
        if found is None:
            known = "、".join(names[0] for names in COLUMNS.values())
            errors.append(
                RowError(
                    1,
                    name,
                    f"第 {position} 列“{name}”不是可识别的列名；可用列名：{known}",
                    f"column {position} {name!r} is not a known column; columns are "
                    + ", ".join(names[-1] for names in COLUMNS.values()),
                )
            )
        elif found in fields:
            errors.append(RowError(1, name, f"列“{name}”重复", f"column {name!r} appears twice"))
        fields.append(found)
    missing = sorted(REQUIRED - {f for f in fields if f})
    for field in missing:
        errors.append(
            RowError(
                1, field, f"缺少必填列“{COLUMNS[field][0]}”", f"the required column {COLUMNS[field][-1]!r} is missing"
            )
        )
    if errors:
        raise PoolImportRefused(errors)
    return fields


def _records(rows: Iterable[Sequence[object]]) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, field → text) for every row after the header that is not empty."""
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise _file_error("the file is empty: the first row must name the columns", "文件为空：第一行须为列名")
    fields = _columns(header)
    count = 0
    for number, row in enumerate(iterator, start=2):
        values: dict[str, str] = {}
        for field, cell in zip(fields, row, strict=False):
            if field is not None:
                values[field] = _text(cell, field, number)
        extra = [c for c in row[len(fields) :] if _text(c, "extra", number)]
        if extra:
            raise PoolImportRefused(
                [RowError(number, "file", "该行的单元格多于列名", "the row has more cells than the header has columns")]
            )
        if not any(values.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise _file_error(f"more than {MAX_ROWS} experts in one file", f"单个文件超过 {MAX_ROWS} 名专家")
        yield number, values


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise _file_error(
            "the CSV file is neither UTF-8 nor GB 18030 text", "CSV 文件既不是 UTF-8 也不是 GB 18030 编码"
        )
    if "\x00" in text:
        raise _file_error("the CSV file contains NUL characters", "CSV 文件包含 NUL 字符")
    try:
        # newline="" semantics: the csv module sees the line breaks itself (quoted ones kept in a cell).
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _file_error(f"the CSV file cannot be read: {exc}", f"CSV 文件无法解析：{exc}") from None


def _xlsx_rows(data: bytes) -> list[tuple[object, ...]]:
    import openpyxl  # type: ignore[import-untyped]  # no stubs; imported here: only imports need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise _file_error("the file is not an XLSX workbook (not a zip archive)", "文件不是 XLSX 工作簿") from None
    if unpacked > MAX_UNPACKED:
        raise _file_error(
            f"the workbook unpacks to {unpacked} bytes, more than {MAX_UNPACKED}",
            f"工作簿解压后 {unpacked} 字节，超过 {MAX_UNPACKED}",
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows: list[tuple[object, ...]] = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(tuple(row))
                if len(rows) > MAX_ROWS + 1:
                    break
            return rows
        finally:
            book.close()
    except PoolImportRefused:
        raise
    # openpyxl raises what its parsers raise for a broken workbook: none of it is the server's fault.
    except Exception as exc:
        raise _file_error(f"the XLSX workbook cannot be read: {type(exc).__name__}", "XLSX 工作簿无法读取") from None


def read_rows(data: bytes, fmt: Format) -> list[tuple[int, dict[str, str]]]:
    """The file's expert rows: (spreadsheet row number, field → text); :class:`PoolImportRefused` for
    a file that cannot be read or whose header is wrong."""
    if not data:
        raise _file_error("the file is empty", "文件为空")
    if len(data) > MAX_BYTES:
        raise _file_error(f"the file is larger than {MAX_BYTES} bytes", f"文件超过 {MAX_BYTES} 字节")
    raw: Sequence[Sequence[object]] = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data)
    return list(_records(raw))


def _split(codes: str) -> list[str]:
    for separator in _SEPARATORS[1:]:
        codes = codes.replace(separator, ";")
    return [c.strip() for c in codes.split(";") if c.strip()]


def check_rows(rows: Sequence[tuple[int, Mapping[str, str]]]) -> list[tuple[int, ExpertFields]]:
    """Every row's particulars checked (``pool_rules.validate_expert``), and the file checked across
    rows (a registry or identity card number twice); every refusal collected."""
    errors: list[RowError] = []
    checked: list[tuple[int, ExpertFields]] = []
    numbers: dict[str, int] = {}
    cards: dict[str, int] = {}
    for row, values in rows:
        number = values.get("registry_no", "").upper() or None
        years_text = values.get("years_experience", "")
        years: int | None = None
        if years_text:
            if years_text.isdigit() and len(years_text) <= 3:
                years = int(years_text)
            else:
                errors.append(
                    RowError(
                        row,
                        "years_experience",
                        f"“{years_text}”不是整数年数",
                        f"{years_text!r} is not a whole number of years",
                        number,
                    )
                )
                continue
        try:
            fields = validate_expert(
                registry_no=values.get("registry_no", ""),
                name=values.get("name", ""),
                mobile=values.get("mobile", ""),
                email=values.get("email") or None,
                employer_credit_code=values.get("employer_credit_code", ""),
                employer_name=values.get("employer_name", ""),
                title=values.get("title", ""),
                title_name=values.get("title_name") or None,
                years_experience=years,
                region_code=values.get("region_code", ""),
                specialties=_split(values.get("specialties", "")),
                id_number=values.get("id_number") or None,
            )
        except PoolRuleErrors as exc:
            errors.extend(RowError(row, e.field, e.message_zh, e.message_en, number) for e in exc.errors)
            continue
        if fields.registry_no in numbers:
            first = numbers[fields.registry_no]
            errors.append(
                RowError(
                    row,
                    "registry_no",
                    f"专家编号 {fields.registry_no} 与第 {first} 行重复",
                    f"registry number {fields.registry_no} is also on row {first}",
                    fields.registry_no,
                )
            )
            continue
        numbers[fields.registry_no] = row
        if fields.id_number is not None:
            if fields.id_number in cards:
                first = cards[fields.id_number]
                errors.append(
                    RowError(
                        row,
                        "id_number",
                        f"身份证号码与第 {first} 行相同（同一人不能登记两次）",
                        f"the identity card number is also on row {first} (one person, one record)",
                        fields.registry_no,
                    )
                )
                continue
            cards[fields.id_number] = row
        checked.append((row, fields))
    if errors:
        raise PoolImportRefused(errors)
    return checked


# ----------------------------------------------------------------------------- writing


async def import_pool(
    db: AsyncSession,
    actor: Actor,
    data: bytes,
    *,
    key: bytes,
    now: datetime,
    fmt: Format | None = None,
    source_name: str | None = None,
) -> ImportResult:
    """Check and write one file in the caller's transaction; :class:`PoolImportRefused` (the caller
    rolls back) when any row is refused. Every expert written is an audit event, and the file one more."""
    kind: Format = fmt or sniff(data, source_name)
    digest = hashlib.sha256(data).hexdigest()
    checked = check_rows(read_rows(data, kind))
    existing: dict[str, Expert] = {}
    numbers = [f.registry_no for _, f in checked]
    for start in range(0, len(numbers), 5000):
        for expert in (
            await db.scalars(
                select(Expert).where(Expert.registry_no.in_(numbers[start : start + 5000])).with_for_update()
            )
        ).all():
            existing[expert.registry_no] = expert
    errors: list[RowError] = []
    done: list[ImportedRow] = []
    for row, fields in checked:
        try:
            _, outcome = await write_expert(
                db,
                actor,
                fields,
                key,
                now=now,
                expert=existing.get(fields.registry_no),
                details={"import_sha256": digest, "row": row},
            )
        except DomainError as exc:
            errors.append(RowError(row, _field_of(exc), exc.text("zh"), exc.text("en"), fields.registry_no))
            continue
        done.append(ImportedRow(row, fields.registry_no, outcome))
    if errors:
        raise PoolImportRefused(errors)
    result = ImportResult(
        file_sha256=digest,
        format=kind,
        rows=len(done),
        registered=sum(1 for r in done if r.outcome == "registered"),
        updated=sum(1 for r in done if r.outcome == "updated"),
        unchanged=sum(1 for r in done if r.outcome == "unchanged"),
        experts=done,
    )
    record(
        db,
        actor,
        "expert.pool_imported",
        object_type="expert_pool",
        object_id=digest,
        content_sha256=digest,
        details={
            "file": (source_name or "")[:200],
            "format": kind,
            "rows": result.rows,
            "registered": result.registered,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result


def _field_of(exc: DomainError) -> str:
    for detail in exc.details:
        if "field" in detail:
            return str(detail["field"])
    return "registry_no" if exc.code == "expert_exists" else "row"


async def import_file(
    platform: Platform, caller: Caller, data: bytes, *, fmt: Format | None = None, source_name: str | None = None
) -> ImportResult:
    """The administrator's import (HTTP upload): one transaction; a refused file is itself recorded
    in the audit trail (``expert.pool_import_refused``) with the rows' count, nothing else."""
    if not caller.has(*WRITERS):
        raise Forbidden("only the centre's administrator changes the expert pool", "仅交易中心管理员可维护专家库")
    return await run_import(
        platform.sessions,
        caller.actor,
        data,
        key=id_number_key(platform.settings.resolved_secret("secret_key")),
        now=platform.clock.now(),
        fmt=fmt,
        source_name=source_name,
    )


async def run_import(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    data: bytes,
    *,
    key: bytes,
    now: datetime,
    fmt: Format | None = None,
    source_name: str | None = None,
) -> ImportResult:
    """One import in a transaction of its own (the HTTP upload and ``bidding experts import``)."""
    try:
        async with sessions() as db, db.begin():
            return await import_pool(db, actor, data, key=key, now=now, fmt=fmt, source_name=source_name)
    except PoolImportRefused as exc:
        async with sessions() as db, db.begin():
            record(
                db,
                actor,
                "expert.pool_import_refused",
                object_type="expert_pool",
                object_id=hashlib.sha256(data).hexdigest(),
                content_sha256=hashlib.sha256(data).hexdigest(),
                details={"file": (source_name or "")[:200], "refusals": len(exc.errors)},
            )
        raise
